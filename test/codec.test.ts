/**
 * The server's protobuf codec (src/codec.ts) against the SDK's generated
 * code: decoding must give the values the SDK gives, and encoding the bytes
 * the SDK writes.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  Capability,
  Ready,
  RunFunctionRequest,
  RunFunctionResponse,
  Severity,
  Status,
  Target,
} from '@crossplane-org/function-sdk-typescript';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRequest, FIXTURE_STATES } from '../bench/fixtures.js';
import {
  decodeRunFunctionRequest,
  encodeRunFunctionResponse,
  measureRunFunctionResponse,
  takeMeasuredEncoding,
} from '../src/codec.js';
import { MAX_NESTING } from '../src/codec/struct.js';
import { runFunction } from '../src/function.js';
import { silentLogger } from './support/run.js';

function sdkEncodeRequest(req: RunFunctionRequest): Uint8Array {
  return RunFunctionRequest.encode(req).finish();
}

function sdkEncodeResponse(rsp: RunFunctionResponse): Buffer {
  return Buffer.from(RunFunctionResponse.encode(rsp).finish());
}

/** Checks that decoding gives the values the SDK gives. */
function expectDecodesLikeSdk(bytes: Uint8Array): void {
  expect(decodeRunFunctionRequest(bytes)).toStrictEqual(RunFunctionRequest.decode(bytes));
}

/**
 * Checks both directions for bytes the SDK wrote: decoding gives the SDK's
 * values, and the SDK encodes them to the same bytes again.
 */
function expectRequestMatchesSdk(bytes: Uint8Array): void {
  const decoded = decodeRunFunctionRequest(bytes);
  expect(decoded).toStrictEqual(RunFunctionRequest.decode(bytes));
  expect(Buffer.from(sdkEncodeRequest(decoded))).toEqual(Buffer.from(bytes));
}

function expectResponseMatchesSdk(rsp: RunFunctionResponse): void {
  expect(Buffer.from(encodeRunFunctionResponse(rsp))).toEqual(sdkEncodeResponse(rsp));
}

/** Struct values of every kind, as a Kubernetes object or a function input may hold them. */
const STRUCT_VALUES: Record<string, unknown> = {
  null: null,
  true: true,
  false: false,
  zero: 0,
  negativeZero: -0,
  integer: 42,
  negative: -17,
  fraction: 0.1,
  maxSafeInteger: Number.MAX_SAFE_INTEGER,
  minSafeInteger: Number.MIN_SAFE_INTEGER,
  beyondSafeInteger: 2 ** 60,
  tiny: Number.MIN_VALUE,
  huge: Number.MAX_VALUE,
  infinity: Infinity,
  minusInfinity: -Infinity,
  empty: '',
  ascii: 'kubernetes.m.crossplane.io/v1alpha1',
  longAscii: 'x'.repeat(1000),
  exactlyCacheLimit: 'y'.repeat(64),
  justOverCacheLimit: 'y'.repeat(65),
  latin1: 'Grüße, café',
  cjk: '東京都',
  emoji: 'rocket 🚀 and flag 🇬🇧',
  escapes: 'tab\tnewline\nquote"backslash\\nul\u0000del\u007f',
  byteOrderMark: '\uFEFFstarts with a BOM',
  emptyStruct: {},
  emptyList: [],
  list: [1, 'two', true, null, { three: 3 }, [4, [5]]],
  nested: { a: { b: { c: { d: { e: 'deep' } } } } },
  integerKeys: { 10: 'ten', 2: 'two', b: 'bee', a: 'ay' },
  '': 'empty key',
  'unicode kéy 🗝': 'value',
};

const FULL_REQUEST: RunFunctionRequest = {
  meta: {
    tag: 'b1946ac92492d2347c6235b4d2611184',
    capabilities: [
      Capability.CAPABILITY_CAPABILITIES,
      Capability.CAPABILITY_REQUIRED_RESOURCES,
      Capability.CAPABILITY_CREDENTIALS,
      Capability.CAPABILITY_CONDITIONS,
      Capability.CAPABILITY_REQUIRED_SCHEMAS,
    ],
  },
  observed: {
    composite: {
      resource: { apiVersion: 'example.org/v1', kind: 'XR', metadata: { name: 'xr' } },
      connectionDetails: { kubeconfig: Buffer.from('apiVersion: v1\n'), empty: Buffer.alloc(0) },
      ready: Ready.READY_TRUE,
    },
    resources: {
      'cluster-auth': {
        resource: { kind: 'ClusterAuth', status: { conditions: [{ type: 'Ready' }] } },
        connectionDetails: { token: Buffer.from([0, 1, 2, 255]) },
        ready: Ready.READY_FALSE,
      },
      values: { resource: STRUCT_VALUES, connectionDetails: {}, ready: Ready.READY_UNSPECIFIED },
    },
  },
  desired: {
    composite: { resource: { status: { phase: 'Ready' } }, connectionDetails: {}, ready: 0 },
    resources: { earlier: { resource: { kind: 'ConfigMap' }, connectionDetails: {}, ready: 0 } },
  },
  input: {
    apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1',
    kind: 'Input',
    values: STRUCT_VALUES,
  },
  context: { 'apiextensions.crossplane.io/environment': { region: 'eu-west-2' } },
  extraResources: {
    clusters: {
      items: [
        { resource: { metadata: { name: 'a' } }, connectionDetails: {}, ready: 0 },
        { resource: { metadata: { name: 'b' } }, connectionDetails: {}, ready: Ready.READY_TRUE },
      ],
    },
    none: { items: [] },
  },
  credentials: {
    aws: { credentialData: { data: { accessKey: Buffer.from('AKIA'), secret: Buffer.from('s') } } },
    empty: { credentialData: undefined },
  },
  requiredResources: {
    'remote-cluster': {
      items: [{ resource: { kind: 'RemoteCluster' }, connectionDetails: {}, ready: 0 }],
    },
  },
  requiredSchemas: {
    object: { openapiV3: { type: 'object', properties: { spec: { type: 'object' } } } },
    missing: { openapiV3: undefined },
  },
};

/** Requests that differ from an empty request in one or a few fields, and the full one. */
const REQUEST_CASES: { name: string; request: RunFunctionRequest }[] = [
  { name: 'an empty request', request: RunFunctionRequest.fromPartial({}) },
  {
    name: 'meta without capabilities',
    request: RunFunctionRequest.fromPartial({ meta: { tag: 't' } }),
  },
  {
    name: 'an unrecognized capability',
    request: RunFunctionRequest.fromPartial({ meta: { tag: '', capabilities: [99, -1] } }),
  },
  {
    name: 'an observed XR only',
    request: RunFunctionRequest.fromPartial({
      observed: { composite: { resource: { kind: 'XR' } } },
    }),
  },
  {
    name: 'a resource without a body',
    request: RunFunctionRequest.fromPartial({
      observed: { resources: { bare: { connectionDetails: {}, ready: Ready.READY_TRUE } } },
    }),
  },
  { name: 'an empty input', request: RunFunctionRequest.fromPartial({ input: {} }) },
  { name: 'an unrecognized ready value', request: readyRequest(-1) },
  { name: 'a large ready value', request: readyRequest(2 ** 31 - 1) },
  { name: 'every field', request: FULL_REQUEST },
];

function readyRequest(ready: number): RunFunctionRequest {
  return RunFunctionRequest.fromPartial({
    observed: { composite: { resource: {}, connectionDetails: {}, ready } },
  });
}

const FULL_RESPONSE: RunFunctionResponse = {
  meta: { tag: 'b1946ac92492d2347c6235b4d2611184', ttl: { seconds: 60, nanos: 500 } },
  desired: {
    composite: {
      resource: { status: { connection: { ready: true }, objectsReady: '2/2' } },
      connectionDetails: { endpoint: Buffer.from('https://example.org'), none: Buffer.alloc(0) },
      ready: Ready.READY_TRUE,
    },
    resources: {
      'object-a': {
        resource: { apiVersion: 'kubernetes.m.crossplane.io/v1alpha1', kind: 'Object' },
        connectionDetails: {},
        ready: Ready.READY_FALSE,
      },
      values: { resource: STRUCT_VALUES, connectionDetails: {}, ready: Ready.READY_UNSPECIFIED },
      '': { resource: { note: 'an empty key' }, connectionDetails: {}, ready: 0 },
    },
  },
  results: [
    {
      severity: Severity.SEVERITY_NORMAL,
      message: 'composed',
      reason: undefined,
      target: undefined,
    },
    {
      severity: Severity.SEVERITY_WARNING,
      message: 'object waits',
      reason: 'WaitingForConnection',
      target: Target.TARGET_COMPOSITE_AND_CLAIM,
    },
    { severity: Severity.SEVERITY_FATAL, message: '', reason: '', target: Target.TARGET_COMPOSITE },
  ],
  context: { 'function-remote-eks/state': { calls: 3, lastTag: 'x' } },
  requirements: {
    extraResources: {
      byName: { apiVersion: 'v1', kind: 'Secret', matchName: 'kubeconfig', namespace: 'ns' },
    },
    resources: {
      byLabels: {
        apiVersion: 'remote.example.org/v1alpha1',
        kind: 'RemoteCluster',
        matchLabels: { labels: { team: 'a', tier: 'prod' } },
      },
    },
    schemas: { object: { apiVersion: 'kubernetes.m.crossplane.io/v1alpha1', kind: 'Object' } },
  },
  conditions: [
    {
      type: 'ClusterConnected',
      status: Status.STATUS_CONDITION_TRUE,
      reason: 'Connected',
      message: 'ClusterAuth signed in',
      target: Target.TARGET_COMPOSITE_AND_CLAIM,
    },
    {
      type: 'ObjectsReady',
      status: Status.STATUS_CONDITION_UNKNOWN,
      reason: 'Waiting',
      message: undefined,
      target: undefined,
    },
  ],
  output: { composed: 2, names: ['a', 'b'] },
};

const RESPONSE_CASES: { name: string; response: RunFunctionResponse }[] = [
  { name: 'an empty response', response: RunFunctionResponse.fromPartial({}) },
  {
    name: 'meta with a zero TTL',
    response: RunFunctionResponse.fromPartial({
      meta: { tag: 't', ttl: { seconds: 0, nanos: 0 } },
    }),
  },
  {
    name: 'a TTL beyond 32 bits',
    response: RunFunctionResponse.fromPartial({
      meta: { tag: '', ttl: { seconds: 2 ** 40, nanos: -1 } },
    }),
  },
  {
    name: 'a desired resource left undefined',
    response: {
      ...RunFunctionResponse.fromPartial({}),
      desired: {
        composite: undefined,
        resources: {
          gone: undefined as never,
          kept: { resource: {}, connectionDetails: {}, ready: 0 },
        },
      },
    },
  },
  {
    name: 'undefined Struct fields and list items',
    response: RunFunctionResponse.fromPartial({
      context: { skipped: undefined, list: [1, undefined, 2], kept: 'yes' },
    }),
  },
  { name: 'an unrecognized ready value', response: readyResponse(-1) },
  { name: 'every field', response: FULL_RESPONSE },
];

function readyResponse(ready: number): RunFunctionResponse {
  return RunFunctionResponse.fromPartial({
    desired: { composite: { resource: {}, connectionDetails: {}, ready } },
  });
}

describe('codec request decoding', () => {
  it.each(REQUEST_CASES)('matches the SDK for $name', ({ request }) => {
    expectRequestMatchesSdk(sdkEncodeRequest(request));
  });

  it.each(FIXTURE_STATES)('matches the SDK for the %s benchmark request', (state) => {
    expectRequestMatchesSdk(sdkEncodeRequest(buildRequest(25, state)));
  });

  it('keeps -0 and large integers exact', () => {
    const decoded = decodeRunFunctionRequest(sdkEncodeRequest(FULL_REQUEST));

    const values = decoded.input?.values as Record<string, unknown>;
    expect(Object.is(values.negativeZero, -0)).toBe(true);
    expect(values.beyondSafeInteger).toBe(2 ** 60);
    expect(values.minSafeInteger).toBe(Number.MIN_SAFE_INTEGER);
  });

  it('returns connection details as Buffers', () => {
    const decoded = decodeRunFunctionRequest(sdkEncodeRequest(FULL_REQUEST));

    const details = decoded.observed?.composite?.connectionDetails ?? {};
    expect(Buffer.isBuffer(details.kubeconfig)).toBe(true);
    expect(details.kubeconfig?.toString()).toBe('apiVersion: v1\n');
    expect(details.empty).toEqual(Buffer.alloc(0));
  });

  it('decodes a Uint8Array that is not a Buffer', () => {
    const bytes = new Uint8Array(sdkEncodeRequest(FULL_REQUEST));

    expect(decodeRunFunctionRequest(bytes)).toStrictEqual(RunFunctionRequest.decode(bytes));
  });

  it('keeps the last of a repeated message field, as the SDK does', () => {
    const first = sdkEncodeRequest(FULL_REQUEST);
    const second = sdkEncodeRequest(
      RunFunctionRequest.fromPartial({
        meta: { tag: 'second', capabilities: [Capability.CAPABILITY_CONDITIONS] },
        observed: { composite: { resource: { kind: 'Second' } } },
        input: { replaced: true },
        extraResources: { clusters: { items: [] }, more: { items: [] } },
      }),
    );

    // Concatenated messages are one message whose fields repeat.
    expectDecodesLikeSdk(Buffer.concat([first, second]));
  });

  it('reads unpacked capabilities', () => {
    const writer = new BinaryWriter();
    writer.uint32(10).fork().uint32(16).int32(1).uint32(16).int32(4).join();

    const bytes = writer.finish();
    expect(decodeRunFunctionRequest(bytes).meta?.capabilities).toEqual([1, 4]);
    expectDecodesLikeSdk(bytes);
  });

  it('skips unknown fields like the SDK', () => {
    const writer = new BinaryWriter();
    writer.uint32((15 << 3) | 0).int32(7); // unknown varint
    writer.uint32((16 << 3) | 2).string('unknown'); // unknown length-delimited
    writer.uint32((17 << 3) | 1).double(1.5); // unknown 64-bit
    writer.uint32((18 << 3) | 5).fixed32(3); // unknown 32-bit
    // input: a Struct with an unknown field, then a field whose Value has an unknown field.
    writer.uint32(34).fork();
    writer.uint32((9 << 3) | 0).int32(1);
    writer.uint32(10).fork().uint32(10).string('k').uint32(18).fork();
    writer
      .uint32((9 << 3) | 2)
      .string('ignored')
      .uint32(26)
      .string('v');
    writer.join().join().join();

    const bytes = writer.finish();
    expect(decodeRunFunctionRequest(bytes).input).toEqual({ k: 'v' });
    expectDecodesLikeSdk(bytes);
  });

  it('drops Struct fields whose Value has no kind', () => {
    const writer = new BinaryWriter();
    writer.uint32(34).fork();
    writer.uint32(10).fork().uint32(10).string('empty').uint32(18).fork().join().join();
    writer.uint32(10).fork().uint32(10).string('missing').join();
    writer.uint32(10).fork().uint32(10).string('kept').uint32(18).fork().uint32(32).bool(true);
    writer.join().join().join();

    const bytes = writer.finish();
    expect(decodeRunFunctionRequest(bytes).input).toStrictEqual({ kept: true });
    expectDecodesLikeSdk(bytes);
  });

  it('picks one kind of a Value with several, as the SDK does', () => {
    const writer = new BinaryWriter();
    writer.uint32(34).fork().uint32(10).fork().uint32(10).string('k').uint32(18).fork();
    writer.uint32(8).int32(0).uint32(32).bool(true).uint32(17).double(2).uint32(26).string('s');
    writer.join().join().join();

    const bytes = writer.finish();
    expect(decodeRunFunctionRequest(bytes).input).toEqual({ k: 's' });
    expectDecodesLikeSdk(bytes);
  });

  it.each([
    { name: 'a lone continuation byte', bytes: [0x80] },
    { name: 'a truncated two-byte sequence', bytes: [0x61, 0xc3] },
    { name: 'a truncated three-byte sequence', bytes: [0xe2, 0x82, 0x61] },
    { name: 'an overlong encoding', bytes: [0xc0, 0xaf] },
    { name: 'an encoded surrogate', bytes: [0xed, 0xa0, 0x80] },
    { name: 'a code point above U+10FFFF', bytes: [0xf4, 0x90, 0x80, 0x80] },
    { name: 'the byte 0xFF', bytes: [0xff, 0x61] },
    { name: 'invalid bytes in a long string', bytes: [...Buffer.from('z'.repeat(40)), 0xff] },
  ])('replaces invalid UTF-8 like the SDK: $name', ({ bytes }) => {
    const writer = new BinaryWriter();
    writer.uint32(10).fork().uint32(10).bytes(Uint8Array.from(bytes)).join();
    writer.uint32(34).fork().uint32(10).fork().uint32(10).bytes(Uint8Array.from(bytes));
    writer.uint32(18).fork().uint32(26).bytes(Uint8Array.from(bytes)).join().join().join();

    const encoded = writer.finish();
    const decoded = decodeRunFunctionRequest(encoded);
    const sdk = RunFunctionRequest.decode(encoded);
    expect(decoded.meta?.tag).toBe(sdk.meta?.tag);
    expect(decoded.input).toStrictEqual(sdk.input);
  });

  it('decodes more distinct short strings than the cache holds', () => {
    // 5000 keys and values of the same length, so that many share cache slots.
    const input: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) input[`k${String(i).padStart(5, '0')}`] = `v${i % 977}`;
    const bytes = sdkEncodeRequest(RunFunctionRequest.fromPartial({ input }));

    expect(decodeRunFunctionRequest(bytes).input).toStrictEqual(input);
    // The second pass finds strings in the cache, from this request and the last.
    expect(decodeRunFunctionRequest(bytes).input).toStrictEqual(input);
  });

  it('drops a __proto__ Struct field, as the SDK does', () => {
    const writer = new BinaryWriter();
    writer.uint32(34).fork();
    writer.uint32(10).fork().uint32(10).string('__proto__').uint32(18).fork();
    writer.uint32(42).fork().uint32(10).fork().uint32(10).string('polluted').uint32(18).fork();
    writer.uint32(32).bool(true).join().join().join().join().join();
    writer.uint32(10).fork().uint32(10).string('kept').uint32(18).fork().uint32(17).double(1);
    writer.join().join().join();

    const bytes = writer.finish();
    const decoded = decodeRunFunctionRequest(bytes);
    expect(decoded.input).toStrictEqual(RunFunctionRequest.decode(bytes).input);
    expect(Object.getPrototypeOf(decoded.input)).toBe(Object.prototype);
    expect(Object.keys(decoded.input ?? {})).toEqual(['kept']);
  });

  it('drops a __proto__ map key instead of replacing the prototype', () => {
    const writer = new BinaryWriter();
    writer.uint32(18).fork().uint32(18).fork().uint32(10).string('__proto__');
    writer.uint32(18).fork().uint32(10).fork().join().join().join().join();

    const resources = decodeRunFunctionRequest(writer.finish()).observed?.resources ?? {};
    expect(Object.getPrototypeOf(resources)).toBe(Object.prototype);
    expect(Object.keys(resources)).toEqual([]);
  });

  it('rejects Structs nested deeper than MAX_NESTING', () => {
    const bytes = sdkEncodeRequest(
      RunFunctionRequest.fromPartial({ input: nestedStruct(MAX_NESTING + 1) }),
    );

    expect(() => decodeRunFunctionRequest(bytes)).toThrow(
      `nested deeper than ${MAX_NESTING} levels`,
    );
  });

  it('rejects lists nested deeper than MAX_NESTING', () => {
    let list: unknown = [];
    for (let i = 0; i < MAX_NESTING; i++) list = [list];
    const bytes = sdkEncodeRequest(RunFunctionRequest.fromPartial({ input: { list } }));

    expect(() => decodeRunFunctionRequest(bytes)).toThrow(
      `nested deeper than ${MAX_NESTING} levels`,
    );
  });

  it('rejects a string that runs past the end', () => {
    const bytes = sdkEncodeRequest(RunFunctionRequest.fromPartial({ meta: { tag: 'abcdef' } }));

    expect(() => decodeRunFunctionRequest(bytes.subarray(0, bytes.length - 2))).toThrow(
      'premature EOF',
    );
  });
});

/** Builds a Struct of `depth` levels: {nested: {nested: ... {leaf: true}}}. */
function nestedStruct(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < depth; i++) value = { nested: value };
  return value;
}

describe('codec response encoding', () => {
  it.each(RESPONSE_CASES)('writes the SDK bytes for $name', ({ response }) => {
    expectResponseMatchesSdk(response);
  });

  it.each(FIXTURE_STATES)('writes the SDK bytes for the handler response to %s', async (state) => {
    const rsp = await runFunction(buildRequest(25, state), silentLogger);

    expect(rsp.results).toEqual([]);
    expectResponseMatchesSdk(rsp);
  });

  it('writes the SDK bytes for NaN and a lone surrogate', () => {
    const rsp = RunFunctionResponse.fromPartial({
      context: { nan: Number.NaN, surrogate: 'a\uD800b' },
    });

    expectResponseMatchesSdk(rsp);
  });

  it('drops a __proto__ own property of a Struct, as the SDK does', () => {
    const context = JSON.parse('{"__proto__": {"x": 1}, "kept": 1}') as Record<string, unknown>;
    const rsp = RunFunctionResponse.fromPartial({ context });

    expect(Object.keys(context)).toContain('__proto__');
    expectResponseMatchesSdk(rsp);
  });

  it('writes objects that are not plain the way the SDK does', () => {
    const rsp = RunFunctionResponse.fromPartial({
      context: { date: new Date(0), buffer: Buffer.from('ab'), map: new Map([['k', 1]]) },
    });

    expectResponseMatchesSdk(rsp);
  });

  it.each([
    { name: 'a bigint', value: 10n },
    { name: 'a symbol', value: Symbol('s') },
    { name: 'a function', value: () => 1 },
  ])('rejects $name with the SDK message', ({ value }) => {
    const rsp = RunFunctionResponse.fromPartial({ context: { value } });

    expect(() => RunFunctionResponse.encode(rsp)).toThrow(`Unsupported any value type`);
    expect(() => encodeRunFunctionResponse(rsp)).toThrow(
      `Unsupported any value type: ${typeof value}`,
    );
  });
});

describe('codec measured encoding', () => {
  it('hands the measured bytes to the server once', () => {
    const size = measureRunFunctionResponse(FULL_RESPONSE);

    const bytes = takeMeasuredEncoding(FULL_RESPONSE);
    expect(bytes?.length).toBe(size);
    expect(Buffer.from(bytes ?? [])).toEqual(sdkEncodeResponse(FULL_RESPONSE));
    expect(takeMeasuredEncoding(FULL_RESPONSE)).toBeUndefined();
  });

  it('returns nothing for another response', () => {
    measureRunFunctionResponse(FULL_RESPONSE);

    expect(takeMeasuredEncoding({ ...FULL_RESPONSE })).toBeUndefined();
  });

  it('returns nothing once meta was replaced', () => {
    const rsp = { ...FULL_RESPONSE };
    measureRunFunctionResponse(rsp);
    rsp.meta = { tag: 'another tag', ttl: undefined };

    expect(takeMeasuredEncoding(rsp)).toBeUndefined();
  });

  it('forgets the bytes after the event loop turn', async () => {
    measureRunFunctionResponse(FULL_RESPONSE);
    await new Promise((resolve) => setImmediate(resolve));

    expect(takeMeasuredEncoding(FULL_RESPONSE)).toBeUndefined();
  });
});

/** Struct values of every kind, with keys other than __proto__, which both codecs drop. */
const structValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true }),
    fc.integer(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
    tie('list'),
    tie('struct'),
  ),
  list: fc.array(tie('value'), { maxLength: 6 }),
  struct: tie('object'),
  object: fc.dictionary(
    fc.string({ unit: 'binary', maxLength: 12 }).filter((key) => key !== '__proto__'),
    tie('value'),
    { maxKeys: 6, noNullPrototype: true },
  ),
}));

const structObject = structValue.object as fc.Arbitrary<Record<string, unknown>>;

describe('codec properties', () => {
  it('decodes any Struct to the SDK values', () => {
    fc.assert(
      fc.property(structObject, fc.string(), (input, tag) => {
        const request = RunFunctionRequest.fromPartial({
          meta: { tag, capabilities: [] },
          observed: { resources: { [tag]: { resource: input, connectionDetails: {} } } },
          input,
        });
        expectRequestMatchesSdk(sdkEncodeRequest(request));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes any Struct to the SDK bytes', () => {
    fc.assert(
      fc.property(structObject, fc.string(), (resource, key) => {
        const response = RunFunctionResponse.fromPartial({
          meta: { tag: key },
          desired: { resources: { [key]: { resource, connectionDetails: {}, ready: 1 } } },
          context: resource,
        });
        expectResponseMatchesSdk(response);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes truncated requests like the SDK or rejects them', () => {
    const bytes = sdkEncodeRequest(FULL_REQUEST);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length }), (length) => {
        const truncated = bytes.subarray(0, length);
        let sdk: RunFunctionRequest | undefined;
        try {
          sdk = RunFunctionRequest.decode(truncated);
        } catch {
          // The SDK rejects it; this codec must too.
          expect(() => decodeRunFunctionRequest(truncated)).toThrow();
          return;
        }
        expect(decodeRunFunctionRequest(truncated)).toStrictEqual(sdk);
      }),
      { numRuns: 300 },
    );
  });
});
