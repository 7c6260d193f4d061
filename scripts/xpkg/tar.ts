/**
 * A reader for the tar archives that package files and image layers use.
 *
 * It understands ustar headers, pax extended headers (`x` and `g`) and GNU
 * long names (`L`, `K`), which covers what GNU tar, Go's archive/tar and
 * `docker save` write. It keeps whole archives in memory: the largest layer
 * here (the Node.js binary) is about 100 MiB uncompressed.
 */

const BLOCK_SIZE = 512;

/** Entry types as the tar header's typeflag byte spells them. */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** One member of a tar archive. */
export interface TarEntry {
  /** Path inside the archive, without a leading `./` or `/`. */
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in seconds since the Unix epoch. */
  mtime: number;
  /** Target of a symbolic or hard link; empty for other types. */
  linkname: string;
  /** Contents of a regular file; empty for other types. */
  data: Buffer;
}

/** Raised when the bytes are not a well-formed tar archive. */
export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

function readString(header: Buffer, offset: number, length: number): string {
  const field = header.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

/**
 * Parse a numeric header field: octal text, or base-256 when the first byte
 * has its high bit set (GNU tar's encoding for values that do not fit).
 */
function readNumber(header: Buffer, offset: number, length: number): number {
  const field = header.subarray(offset, offset + length);
  const first = field[0] ?? 0;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (const byte of field.subarray(1)) {
      value = value * 256 + byte;
    }
    return value;
  }
  const text = readString(header, offset, length).trim();
  if (text === '') {
    return 0;
  }
  if (!/^[0-7]+$/.test(text)) {
    throw new TarFormatError(`invalid octal field "${text}" at header offset ${offset}`);
  }
  return parseInt(text, 8);
}

function checksumMatches(header: Buffer): boolean {
  const stored = readNumber(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    // The checksum field itself counts as eight spaces.
    sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  }
  return sum === stored;
}

/** Parse pax extended header records of the form `<length> <key>=<value>\n`. */
function parsePaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) {
      break;
    }
    const length = parseInt(data.subarray(offset, space).toString('ascii'), 10);
    if (!Number.isInteger(length) || length <= 0) {
      throw new TarFormatError(`invalid pax record length at offset ${offset}`);
    }
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals !== -1) {
      records.set(record.slice(0, equals), record.slice(equals + 1));
    }
    offset += length;
  }
  return records;
}

function entryType(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '':
    case '7':
      return 'file';
    case '5':
      return 'directory';
    case '2':
      return 'symlink';
    case '1':
      return 'hardlink';
    default:
      return 'other';
  }
}

/**
 * Strip the `./` or `/` prefix that some writers put before member names, and
 * the `/` that ends directory names.
 */
export function normalizeMemberName(name: string): string {
  let result = name;
  while (result.startsWith('./')) {
    result = result.slice(2);
  }
  while (result.startsWith('/')) {
    result = result.slice(1);
  }
  while (result.endsWith('/')) {
    result = result.slice(0, -1);
  }
  return result;
}

/**
 * Parse every member of a tar archive.
 *
 * @throws TarFormatError when a header checksum is wrong or a member runs
 *   past the end of the buffer.
 */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let globalPax = new Map<string, string>();
  let nextPax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;

  while (offset + BLOCK_SIZE <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK_SIZE);
    if (header.every((byte) => byte === 0)) {
      break;
    }
    if (!checksumMatches(header)) {
      throw new TarFormatError(`invalid header checksum at offset ${offset}`);
    }

    const flag = String.fromCharCode(header[156] ?? 0);
    let size = readNumber(header, 124, 12);
    const sizeFromPax = nextPax.get('size');
    if (sizeFromPax !== undefined && flag !== 'x' && flag !== 'g') {
      size = parseInt(sizeFromPax, 10);
    }
    const dataStart = offset + BLOCK_SIZE;
    const dataEnd = dataStart + size;
    if (dataEnd > archive.length) {
      throw new TarFormatError(`member at offset ${offset} runs past the end of the archive`);
    }
    const data = archive.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;

    if (flag === 'x') {
      nextPax = parsePaxRecords(data);
      continue;
    }
    if (flag === 'g') {
      globalPax = new Map([...globalPax, ...parsePaxRecords(data)]);
      continue;
    }
    if (flag === 'L') {
      longName = readString(data, 0, data.length);
      continue;
    }
    if (flag === 'K') {
      longLink = readString(data, 0, data.length);
      continue;
    }

    const magic = readString(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? readString(header, 345, 155) : '';
    const headerName = prefix
      ? `${prefix}/${readString(header, 0, 100)}`
      : readString(header, 0, 100);
    const name = nextPax.get('path') ?? longName ?? globalPax.get('path') ?? headerName;
    const linkname = nextPax.get('linkpath') ?? longLink ?? readString(header, 157, 100);
    const type = entryType(flag);

    entries.push({
      name: normalizeMemberName(name),
      type,
      mode: readNumber(header, 100, 8),
      uid: Number(nextPax.get('uid') ?? readNumber(header, 108, 8)),
      gid: Number(nextPax.get('gid') ?? readNumber(header, 116, 8)),
      mtime: Math.floor(Number(nextPax.get('mtime') ?? readNumber(header, 136, 12))),
      linkname: type === 'symlink' || type === 'hardlink' ? linkname : '',
      data: type === 'file' ? data : Buffer.alloc(0),
    });
    nextPax = new Map();
    longName = undefined;
    longLink = undefined;
  }

  return entries;
}
