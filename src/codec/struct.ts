import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';

/**
 * google.protobuf.Struct, Value and ListValue read into and written from
 * plain JavaScript values, with the same results as ts-proto's generated
 * code in the SDK 0.7.0 but without its intermediate Struct and Value
 * messages. See codec.ts for where the two deliberately differ.
 */

/**
 * Maximum nesting of Struct and ListValue values. It bounds the recursion of
 * this decoder, and keeps every response that echoes a request's values
 * readable by decoders that stop at 100 nested messages, as the SDK's does.
 * An object level costs three messages (Value, Struct, map entry), and the
 * response's envelope about five more. The policy's maxManifestDepth, lower
 * still, is the limit tenants meet.
 */
export const MAX_NESTING = 26;

// Wire types, and tags (field number << 3 | wire type) of the fields read and written here.
export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
const END_GROUP = 4;

export function fieldTag(field: number, wireType: number): number {
  return (field << 3) | wireType;
}

/** Tag of the key of every map entry. */
export const KEY = fieldTag(1, LENGTH_DELIMITED);
/** Tag of the value of a map entry whose values are messages or bytes. */
export const VALUE = fieldTag(2, LENGTH_DELIMITED);

const STRUCT_FIELDS = fieldTag(1, LENGTH_DELIMITED);
const VALUE_NULL = fieldTag(1, VARINT);
const VALUE_NUMBER = fieldTag(2, FIXED64);
const VALUE_STRING = fieldTag(3, LENGTH_DELIMITED);
const VALUE_BOOL = fieldTag(4, VARINT);
const VALUE_STRUCT = fieldTag(5, LENGTH_DELIMITED);
const VALUE_LIST = fieldTag(6, LENGTH_DELIMITED);
const LIST_VALUES = fieldTag(1, LENGTH_DELIMITED);

export type StructObject = Record<string, unknown>;

/**
 * Checks whether a key can be stored by plain assignment. Assigning `__proto__`
 * would replace the object's prototype instead of adding a property.
 */
export function isSafeKey(key: string): boolean {
  return key !== '__proto__';
}

/**
 * Checks whether a message's field loop stops at this tag instead of skipping it.
 * ts-proto stops at an end-group tag and at tag 0, and so does this codec.
 */
export function endsMessage(tag: number): boolean {
  return (tag & 7) === END_GROUP || tag === 0;
}

/** Reads a google.protobuf.Struct as a plain object. `depth` counts enclosing Structs and lists. */
export function readStruct(reader: BinaryReader, length: number, depth: number): StructObject {
  if (depth > MAX_NESTING) {
    throw new Error(`invalid protobuf Struct: nested deeper than ${MAX_NESTING} levels`);
  }
  const end = reader.pos + length;
  const object: StructObject = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === STRUCT_FIELDS) {
      readStructField(reader, reader.uint32(), object, depth);
      continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return object;
}

/** Reads one Struct field (a map<string, Value> entry). A field whose Value has no kind is dropped. */
function readStructField(
  reader: BinaryReader,
  length: number,
  object: StructObject,
  depth: number,
): void {
  const end = reader.pos + length;
  let key = '';
  let value: unknown;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case KEY:
        key = reader.string();
        continue;
      case VALUE:
        value = readValue(reader, reader.uint32(), depth);
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  if (value !== undefined && isSafeKey(key)) object[key] = value;
}

/** Reads a google.protobuf.ListValue as an array. */
function readList(reader: BinaryReader, length: number, depth: number): unknown[] {
  if (depth > MAX_NESTING) {
    throw new Error(`invalid protobuf ListValue: nested deeper than ${MAX_NESTING} levels`);
  }
  const end = reader.pos + length;
  const values: unknown[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LIST_VALUES) {
      values.push(readValue(reader, reader.uint32(), depth));
      continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return values;
}

/**
 * Reads a google.protobuf.Value as the plain value it holds: null, a boolean,
 * a number, a string, an object or an array, or undefined if no kind is set.
 */
function readValue(reader: BinaryReader, length: number, depth: number): unknown {
  const end = reader.pos + length;
  let nullValue: number | undefined;
  let numberValue: number | undefined;
  let stringValue: string | undefined;
  let boolValue: boolean | undefined;
  let structValue: StructObject | undefined;
  let listValue: unknown[] | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case VALUE_NULL:
        nullValue = reader.int32();
        continue;
      case VALUE_NUMBER:
        numberValue = reader.double();
        continue;
      case VALUE_STRING:
        stringValue = reader.string();
        continue;
      case VALUE_BOOL:
        boolValue = reader.bool();
        continue;
      case VALUE_STRUCT:
        structValue = readStruct(reader, reader.uint32(), depth + 1);
        continue;
      case VALUE_LIST:
        listValue = readList(reader, reader.uint32(), depth + 1);
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }

  // A well-formed Value sets one kind. Otherwise this is ts-proto's order.
  if (stringValue !== undefined) return stringValue;
  if (numberValue !== undefined) return numberValue;
  if (boolValue !== undefined) return boolValue;
  if (structValue !== undefined) return structValue;
  if (listValue !== undefined) return listValue;
  if (nullValue !== undefined) return null;
  return undefined;
}

/**
 * Writes the fields of a google.protobuf.Struct from the own enumerable
 * properties of `object`, skipping undefined values, like ts-proto's
 * Struct.wrap. Like there, a non-object is taken apart by Object.keys and
 * null or undefined throw a TypeError.
 */
export function writeStruct(writer: BinaryWriter, object: unknown): BinaryWriter {
  const record = object as StructObject;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined || !isSafeKey(key)) continue;
    writer.uint32(STRUCT_FIELDS).fork();
    if (key !== '') {
      writer.uint32(KEY).string(key);
    }
    writeValue(writer.uint32(VALUE).fork(), value).join();
    writer.join();
  }
  return writer;
}

function writeList(writer: BinaryWriter, values: readonly unknown[]): BinaryWriter {
  for (const value of values) {
    writeValue(writer.uint32(LIST_VALUES).fork(), value).join();
  }
  return writer;
}

/**
 * Writes the fields of a google.protobuf.Value for a plain value. undefined,
 * which only a list can hold here, becomes a Value without a kind.
 *
 * @throws Error for a bigint, a symbol or a function, with ts-proto's message.
 */
function writeValue(writer: BinaryWriter, value: unknown): BinaryWriter {
  if (value === null) {
    // NullValue.NULL_VALUE is the enum's only value, 0.
    writer.uint32(VALUE_NULL).int32(0);
  } else if (typeof value === 'boolean') {
    writer.uint32(VALUE_BOOL).bool(value);
  } else if (typeof value === 'number') {
    writer.uint32(VALUE_NUMBER).double(value);
  } else if (typeof value === 'string') {
    writer.uint32(VALUE_STRING).string(value);
  } else if (Array.isArray(value)) {
    writeList(writer.uint32(VALUE_LIST).fork(), value).join();
  } else if (typeof value === 'object') {
    writeStruct(writer.uint32(VALUE_STRUCT).fork(), value).join();
  } else if (value !== undefined) {
    throw new Error(`Unsupported any value type: ${typeof value}`);
  }
  return writer;
}
