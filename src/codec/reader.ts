import { BinaryReader } from '@bufbuild/protobuf/wire';

/**
 * Maximum length in bytes of a string that {@link RequestReader} looks up in
 * its cache. It admits API versions such as kubernetes.m.crossplane.io/v1alpha1.
 */
const MAX_CACHED_BYTES = 64;

/** Number of cache slots. A power of two, so that a hash maps to a slot with a mask. */
const CACHE_SLOTS = 4096;

/**
 * Recently decoded short ASCII strings, one per slot, shared by all readers.
 * Strings are immutable, so sharing one between requests is safe, and a
 * collision only replaces the slot's string.
 */
const cache: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);

/**
 * A BinaryReader whose string() returns short ASCII strings from a cache.
 *
 * Kubernetes objects repeat their strings. The 2000-object `all-ready`
 * request of bench/fixtures.ts contains 156,000 Struct keys, 44 of them
 * distinct, and 102,000 string values, 8,000 of them distinct. The
 * library's string() allocates a new string each time and, for ASCII
 * strings up to 32 bytes, a temporary array of char codes too. Decoding the
 * request then allocates so much that the garbage collector copies the
 * half-built request several times over.
 *
 * The length prefix is read with the library's uint32(). Only the bytes of
 * the string are looked at here, and anything but a short ASCII string is
 * decoded by Node's Buffer.
 */
export class RequestReader extends BinaryReader {
  private readonly source: Buffer;

  constructor(bytes: Uint8Array) {
    super(bytes);
    this.source = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Reads a length-delimited UTF-8 string. Invalid UTF-8 becomes U+FFFD, as
   * with the library's non-strict string().
   *
   * @throws RangeError if the string runs past the end of the input.
   */
  override string(): string {
    const length = this.uint32();
    const start = this.pos;
    const end = start + length;
    if (end > this.len) {
      throw new RangeError('premature EOF');
    }
    this.pos = end;
    if (length > MAX_CACHED_BYTES) {
      return this.source.toString('utf8', start, end);
    }

    const bytes = this.source;
    let hash = length;
    let allBits = 0;
    for (let i = start; i < end; i++) {
      const byte = bytes[i] as number;
      allBits |= byte;
      hash = (Math.imul(hash, 31) + byte) | 0;
    }
    if (allBits >= 0x80) {
      return bytes.toString('utf8', start, end);
    }

    // Every byte is ASCII, so byte i of the input is char code i of the string.
    const slot = (hash ^ (hash >>> 16)) & (CACHE_SLOTS - 1);
    const cached = cache[slot];
    if (cached !== undefined && cached.length === length && sameChars(cached, bytes, start)) {
      return cached;
    }
    const text = bytes.toString('latin1', start, end);
    cache[slot] = text;
    return text;
  }
}

/** Compares an ASCII string with the bytes at `start`, which must be at least as many. */
function sameChars(text: string, bytes: Buffer, start: number): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== bytes[start + i]) return false;
  }
  return true;
}
