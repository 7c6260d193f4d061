import { BinaryWriter, type BinaryReader } from '@bufbuild/protobuf/wire';
import {
  Condition,
  Credentials,
  Requirements,
  Result,
  type Resource,
  type Resources,
  type RunFunctionRequest,
  type RunFunctionResponse,
  type Schema,
  type State,
} from '@crossplane-org/function-sdk-typescript';
import { RequestReader } from './codec/reader.js';
import {
  endsMessage,
  fieldTag,
  isSafeKey,
  KEY,
  LENGTH_DELIMITED,
  readStruct,
  VALUE,
  VARINT,
  writeStruct,
} from './codec/struct.js';

/**
 * The protobuf codec of the two messages this server handles: it decodes a
 * RunFunctionRequest and encodes a RunFunctionResponse, with the SDK's types.
 *
 * The SDK 0.7.0 generated code (ts-proto) decodes every google.protobuf.Struct
 * into Struct and Value messages and then unwraps those into plain objects,
 * and encodes by wrapping plain objects into such messages first. This codec
 * reads and writes Struct, Value and ListValue straight from and to plain
 * JavaScript values (codec/struct.ts), with the wire reader and writer of
 * @bufbuild/protobuf that the generated code uses too. The messages that
 * hold no Struct (Credentials, Result, Condition, Requirements) go through
 * the SDK's own code.
 *
 * Responses are encoded to the bytes the SDK writes, and requests decoded to
 * the values the SDK returns; test/codec.test.ts checks both. That includes
 * three ways in which ts-proto differs from other protobuf libraries. A
 * repeated singular message field keeps its last value instead of merging.
 * A ListValue keeps an empty Value as `undefined`. A Value with several kinds
 * set decodes to the first of string, number, bool, struct, list and null.
 *
 * Decoding deliberately differs on two kinds of request that the SDK
 * mishandles:
 * - A map entry keyed `__proto__` is dropped, where the SDK makes its value
 *   the prototype of the map object. Both drop a Struct field named so, in
 *   both directions.
 * - Structs and lists may nest MAX_NESTING (codec/struct.ts) levels deep,
 *   where the SDK stops at 100 nested messages. The lower limit keeps every
 *   echoed value readable by a client that decodes with the SDK.
 */

const RESOURCE_RESOURCE = fieldTag(1, LENGTH_DELIMITED);
const RESOURCE_CONNECTION_DETAILS = fieldTag(2, LENGTH_DELIMITED);
const RESOURCE_READY = fieldTag(3, VARINT);
const RESOURCES_ITEMS = fieldTag(1, LENGTH_DELIMITED);
const STATE_COMPOSITE = fieldTag(1, LENGTH_DELIMITED);
const STATE_RESOURCES = fieldTag(2, LENGTH_DELIMITED);
const SCHEMA_OPENAPI_V3 = fieldTag(1, LENGTH_DELIMITED);

const REQUEST_META = fieldTag(1, LENGTH_DELIMITED);
const REQUEST_OBSERVED = fieldTag(2, LENGTH_DELIMITED);
const REQUEST_DESIRED = fieldTag(3, LENGTH_DELIMITED);
const REQUEST_INPUT = fieldTag(4, LENGTH_DELIMITED);
const REQUEST_CONTEXT = fieldTag(5, LENGTH_DELIMITED);
const REQUEST_EXTRA_RESOURCES = fieldTag(6, LENGTH_DELIMITED);
const REQUEST_CREDENTIALS = fieldTag(7, LENGTH_DELIMITED);
const REQUEST_REQUIRED_RESOURCES = fieldTag(8, LENGTH_DELIMITED);
const REQUEST_REQUIRED_SCHEMAS = fieldTag(9, LENGTH_DELIMITED);
const REQUEST_META_TAG = fieldTag(1, LENGTH_DELIMITED);
const REQUEST_META_CAPABILITY = fieldTag(2, VARINT);
const REQUEST_META_CAPABILITIES_PACKED = fieldTag(2, LENGTH_DELIMITED);

const RESPONSE_META = fieldTag(1, LENGTH_DELIMITED);
const RESPONSE_DESIRED = fieldTag(2, LENGTH_DELIMITED);
const RESPONSE_RESULTS = fieldTag(3, LENGTH_DELIMITED);
const RESPONSE_CONTEXT = fieldTag(4, LENGTH_DELIMITED);
const RESPONSE_REQUIREMENTS = fieldTag(5, LENGTH_DELIMITED);
const RESPONSE_CONDITIONS = fieldTag(6, LENGTH_DELIMITED);
const RESPONSE_OUTPUT = fieldTag(7, LENGTH_DELIMITED);
const RESPONSE_META_TAG = fieldTag(1, LENGTH_DELIMITED);
const RESPONSE_META_TTL = fieldTag(2, LENGTH_DELIMITED);
const DURATION_SECONDS = fieldTag(1, VARINT);
const DURATION_NANOS = fieldTag(2, VARINT);

type RequestMeta = NonNullable<RunFunctionRequest['meta']>;
type ResponseMeta = NonNullable<RunFunctionResponse['meta']>;
type Duration = NonNullable<ResponseMeta['ttl']>;
// Decoding. Each reader function reads one length-delimited message that ends
// at reader.pos + length, the way ts-proto's decode(reader, length) does.

/** Decodes a RunFunctionRequest from its protobuf wire format. */
export function decodeRunFunctionRequest(bytes: Uint8Array): RunFunctionRequest {
  const reader = new RequestReader(bytes);
  const message: RunFunctionRequest = {
    meta: undefined,
    observed: undefined,
    desired: undefined,
    input: undefined,
    context: undefined,
    extraResources: {},
    credentials: {},
    requiredResources: {},
    requiredSchemas: {},
  };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    switch (tag) {
      case REQUEST_META:
        message.meta = readRequestMeta(reader, reader.uint32());
        continue;
      case REQUEST_OBSERVED:
        message.observed = readState(reader, reader.uint32());
        continue;
      case REQUEST_DESIRED:
        message.desired = readState(reader, reader.uint32());
        continue;
      case REQUEST_INPUT:
        message.input = readStruct(reader, reader.uint32(), 1);
        continue;
      case REQUEST_CONTEXT:
        message.context = readStruct(reader, reader.uint32(), 1);
        continue;
      case REQUEST_EXTRA_RESOURCES:
        readMessageEntry(reader, reader.uint32(), message.extraResources, readResourcesValue);
        continue;
      case REQUEST_CREDENTIALS:
        readMessageEntry(reader, reader.uint32(), message.credentials, readCredentialsValue);
        continue;
      case REQUEST_REQUIRED_RESOURCES:
        readMessageEntry(reader, reader.uint32(), message.requiredResources, readResourcesValue);
        continue;
      case REQUEST_REQUIRED_SCHEMAS:
        readMessageEntry(reader, reader.uint32(), message.requiredSchemas, readSchemaValue);
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return message;
}

function readRequestMeta(reader: BinaryReader, length: number): RequestMeta {
  const end = reader.pos + length;
  const message: RequestMeta = { tag: '', capabilities: [] };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case REQUEST_META_TAG:
        message.tag = reader.string();
        continue;
      case REQUEST_META_CAPABILITY:
        message.capabilities.push(reader.int32());
        continue;
      case REQUEST_META_CAPABILITIES_PACKED: {
        const packedEnd = reader.uint32() + reader.pos;
        while (reader.pos < packedEnd) {
          message.capabilities.push(reader.int32());
        }
        continue;
      }
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return message;
}

function readState(reader: BinaryReader, length: number): State {
  const end = reader.pos + length;
  const message: State = { composite: undefined, resources: {} };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case STATE_COMPOSITE:
        message.composite = readResource(reader, reader.uint32());
        continue;
      case STATE_RESOURCES:
        readMessageEntry(reader, reader.uint32(), message.resources, readResourceValue);
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return message;
}

function readResource(reader: BinaryReader, length: number): Resource {
  const end = reader.pos + length;
  const message: Resource = { resource: undefined, connectionDetails: {}, ready: 0 };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case RESOURCE_RESOURCE:
        message.resource = readStruct(reader, reader.uint32(), 1);
        continue;
      case RESOURCE_CONNECTION_DETAILS:
        readBytesEntry(reader, reader.uint32(), message.connectionDetails);
        continue;
      case RESOURCE_READY:
        message.ready = reader.int32();
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return message;
}

/** Reads one map<string, bytes> entry. A missing value is an empty Buffer, as in ts-proto. */
function readBytesEntry(reader: BinaryReader, length: number, map: Record<string, Buffer>): void {
  const end = reader.pos + length;
  let key = '';
  let value = Buffer.alloc(0);
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case KEY:
        key = reader.string();
        continue;
      case VALUE:
        // Copy, so that the request's buffer is not kept alive by a small value.
        value = Buffer.from(reader.bytes());
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  if (isSafeKey(key)) map[key] = value;
}

function readResources(reader: BinaryReader, length: number): Resources {
  const end = reader.pos + length;
  const message: Resources = { items: [] };
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === RESOURCES_ITEMS) {
      message.items.push(readResource(reader, reader.uint32()));
      continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return message;
}

function readSchema(reader: BinaryReader, length: number): Schema {
  const end = reader.pos + length;
  const message: Schema = { openapiV3: undefined };
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === SCHEMA_OPENAPI_V3) {
      message.openapiV3 = readStruct(reader, reader.uint32(), 1);
      continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return message;
}

/**
 * Reads one map<string, Message> entry into `map`, with `readValue` reading
 * the value field. An entry without a value is dropped.
 */
function readMessageEntry<T>(
  reader: BinaryReader,
  length: number,
  map: Record<string, T>,
  readValue: (reader: BinaryReader) => T,
): void {
  const end = reader.pos + length;
  let key = '';
  let value: T | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case KEY:
        key = reader.string();
        continue;
      case VALUE:
        value = readValue(reader);
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  if (value !== undefined && isSafeKey(key)) map[key] = value;
}

const readResourceValue = (reader: BinaryReader): Resource => readResource(reader, reader.uint32());
const readResourcesValue = (reader: BinaryReader): Resources =>
  readResources(reader, reader.uint32());
const readSchemaValue = (reader: BinaryReader): Schema => readSchema(reader, reader.uint32());

/**
 * Reads a credentials value, a message with no Struct, with the SDK's
 * decoder. The decoder gets the value's bytes rather than this reader,
 * because it takes a reader only if it is an instance of the BinaryReader
 * class the SDK itself imported.
 */
const readCredentialsValue = (reader: BinaryReader): Credentials =>
  Credentials.decode(reader.bytes());

// Encoding. Each writer function writes the fields of one message. Its
// caller writes the message's tag and wraps the call in fork() and join(),
// which add the length prefix.

/**
 * The writer of every response. Encoding is synchronous, so one writer
 * serves all calls, and its buffer, once grown to the size of a large
 * response, is not grown again from 128 bytes for the next one. finish()
 * copies the bytes out and empties the writer.
 */
const responseWriter = new BinaryWriter();

/** Encodes a RunFunctionResponse to its protobuf wire format. */
export function encodeRunFunctionResponse(message: RunFunctionResponse): Uint8Array {
  const writer = responseWriter;
  try {
    writeResponse(writer, message);
  } catch (err) {
    // Empty the writer, so that the next response does not start with this one's bytes.
    writer.finish();
    throw err;
  }
  return writer.finish();
}

function writeResponse(writer: BinaryWriter, message: RunFunctionResponse): void {
  if (message.meta !== undefined) {
    writeResponseMeta(writer.uint32(RESPONSE_META).fork(), message.meta).join();
  }
  if (message.desired !== undefined) {
    writeState(writer.uint32(RESPONSE_DESIRED).fork(), message.desired).join();
  }
  for (const result of message.results) {
    Result.encode(result, writer.uint32(RESPONSE_RESULTS).fork()).join();
  }
  if (message.context !== undefined) {
    writeStruct(writer.uint32(RESPONSE_CONTEXT).fork(), message.context).join();
  }
  if (message.requirements !== undefined) {
    Requirements.encode(message.requirements, writer.uint32(RESPONSE_REQUIREMENTS).fork()).join();
  }
  for (const condition of message.conditions) {
    Condition.encode(condition, writer.uint32(RESPONSE_CONDITIONS).fork()).join();
  }
  if (message.output !== undefined) {
    writeStruct(writer.uint32(RESPONSE_OUTPUT).fork(), message.output).join();
  }
}

/** An encoded response kept between the handler's size check and the server's send. */
interface MeasuredEncoding {
  response: RunFunctionResponse;
  meta: ResponseMeta | undefined;
  bytes: Uint8Array;
}

let measured: MeasuredEncoding | undefined;

/**
 * Encodes a response to learn its size in bytes, and keeps the encoding for
 * {@link takeMeasuredEncoding}, so that a handler that checks the size of
 * its response does not make the server encode it a second time. The
 * encoding is kept until it is taken, another response is measured, or the
 * current turn of the event loop ends.
 */
export function measureRunFunctionResponse(message: RunFunctionResponse): number {
  const entry: MeasuredEncoding = {
    response: message,
    meta: message.meta,
    bytes: encodeRunFunctionResponse(message),
  };
  measured = entry;
  setImmediate(() => {
    if (measured === entry) measured = undefined;
  });
  return entry.bytes.length;
}

/**
 * Returns the encoding that {@link measureRunFunctionResponse} kept for this
 * same response object, and clears it. Returns undefined if there is none,
 * or if `meta` was replaced since, so that a caller may still set the tag.
 * Changes to other fields in between are not detected, so the response must
 * not be modified otherwise after it was measured.
 */
export function takeMeasuredEncoding(message: RunFunctionResponse): Uint8Array | undefined {
  const entry = measured;
  measured = undefined;
  if (entry === undefined || entry.response !== message || entry.meta !== message.meta) {
    return undefined;
  }
  return entry.bytes;
}

function writeResponseMeta(writer: BinaryWriter, message: ResponseMeta): BinaryWriter {
  if (message.tag !== '') {
    writer.uint32(RESPONSE_META_TAG).string(message.tag);
  }
  if (message.ttl !== undefined) {
    writeDuration(writer.uint32(RESPONSE_META_TTL).fork(), message.ttl).join();
  }
  return writer;
}

function writeDuration(writer: BinaryWriter, message: Duration): BinaryWriter {
  if (message.seconds !== 0) {
    writer.uint32(DURATION_SECONDS).int64(message.seconds);
  }
  if (message.nanos !== 0) {
    writer.uint32(DURATION_NANOS).int32(message.nanos);
  }
  return writer;
}

function writeState(writer: BinaryWriter, message: State): BinaryWriter {
  if (message.composite !== undefined) {
    writeResource(writer.uint32(STATE_COMPOSITE).fork(), message.composite).join();
  }
  // Like ts-proto, an entry whose value is undefined is still written, with its key only.
  for (const [key, value] of Object.entries(message.resources) as [string, Resource?][]) {
    writer.uint32(STATE_RESOURCES).fork();
    if (key !== '') {
      writer.uint32(KEY).string(key);
    }
    if (value !== undefined) {
      writeResource(writer.uint32(VALUE).fork(), value).join();
    }
    writer.join();
  }
  return writer;
}

function writeResource(writer: BinaryWriter, message: Resource): BinaryWriter {
  if (message.resource !== undefined) {
    writeStruct(writer.uint32(RESOURCE_RESOURCE).fork(), message.resource).join();
  }
  for (const [key, value] of Object.entries(message.connectionDetails)) {
    writer.uint32(RESOURCE_CONNECTION_DETAILS).fork();
    if (key !== '') {
      writer.uint32(KEY).string(key);
    }
    if (value.length !== 0) {
      writer.uint32(VALUE).bytes(value);
    }
    writer.join();
  }
  if (message.ready !== 0) {
    writer.uint32(RESOURCE_READY).int32(message.ready);
  }
  return writer;
}
