import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import {
  Ready,
  Severity,
  type Resource,
  type RunFunctionRequest,
  type RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { defaultObjectKey } from '../src/objects.js';
import {
  isJsonObject,
  mutatedRequest,
  toRequest,
  validRequest,
  type JsonObject,
  type RequestDoc,
} from './support/arbitraries.js';
import { connectClient, type FunctionClient } from './support/client.js';
import { killLeftoverServers, startServer, type ServerProcess } from './support/process.js';

/**
 * Property-based tests of the built server over gRPC: random valid requests
 * and requests broken at random fields, each sent twice to one server
 * process. Counts and time budgets keep the file well under a minute on a
 * two-core machine; FUZZ_SEED and FUZZ_PATH replay a failure that fast-check
 * reported.
 */

const VALID_RUNS = 500;
const MUTATED_RUNS = 1_500;
/** Time after which fast-check stops starting new runs, per property. */
const TIME_BUDGET_MS = 15_000;
/** Timeout of each property; a longer search or a replay gets 30 minutes. */
const PROPERTY_TIMEOUT_MS =
  process.env.FUZZ_RUNS === undefined && process.env.FUZZ_SEED === undefined ? 60_000 : 1_800_000;
/** Deadline of one call; a call that takes longer is a hang. */
const CALL_DEADLINE_MS = 10_000;

/** An RFC 1123 subdomain; with the length check, a name every kind accepts. */
const RFC1123_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_NAME_LENGTH = 63;
/** Fields the API server sets; a desired composed resource must not carry them. */
const SERVER_SET_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp'];

/**
 * Runs, seed and time budget of one property. FUZZ_RUNS sets the number of
 * runs for a longer search. A search or replay (FUZZ_RUNS or FUZZ_SEED) has
 * no time budget, so that shrinking runs to the end.
 */
function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  const { FUZZ_RUNS, FUZZ_SEED, FUZZ_PATH } = process.env;
  if (FUZZ_RUNS === undefined && FUZZ_SEED === undefined) {
    return { numRuns, plugins: [fc.interruptAfterTimeLimit(TIME_BUDGET_MS)] };
  }
  const parameters: fc.Parameters<unknown> = { numRuns: Number(FUZZ_RUNS ?? numRuns) };
  if (FUZZ_SEED !== undefined) parameters.seed = Number(FUZZ_SEED);
  if (FUZZ_PATH !== undefined) parameters.path = FUZZ_PATH;
  return parameters;
}

let server: ServerProcess;
let client: FunctionClient;
let exampleResponse: RunFunctionResponse;

afterAll(async () => {
  client?.close();
  await server?.stop();
  killLeftoverServers();
});

beforeAll(async () => {
  server = await startServer(['--insecure', '--address', '127.0.0.1:0']);
  client = connectClient(server.address);
  exampleResponse = await client.run(exampleRequest());
});

/**
 * Builds the bundled example's request as Crossplane sends it once ClusterAuth
 * signed in: examples/xr.yaml, the step input of examples/composition.yaml
 * and the observed resources of examples/observed/2-connected.yaml.
 */
function exampleRequest(): RunFunctionRequest {
  const read = (path: string) =>
    readFileSync(new URL(`../examples/${path}`, import.meta.url), 'utf8');
  const xr = parse(read('xr.yaml')) as JsonObject;
  const composition = parse(read('composition.yaml')) as {
    spec: { pipeline: { input: JsonObject }[] };
  };
  const observed: Record<string, Resource> = {};
  for (const doc of parseAllDocuments(read('observed/2-connected.yaml'))) {
    const body = doc.toJS() as { metadata: { annotations: Record<string, string> } };
    const key = body.metadata.annotations['crossplane.io/composition-resource-name']!;
    observed[key] = { resource: body, connectionDetails: {}, ready: Ready.READY_UNSPECIFIED };
  }
  return {
    meta: { tag: 'example', capabilities: [] },
    observed: {
      composite: { resource: xr, connectionDetails: {}, ready: Ready.READY_UNSPECIFIED },
      resources: observed,
    },
    desired: { composite: undefined, resources: {} },
    input: composition.spec.pipeline[0]!.input,
    context: {},
    extraResources: {},
    credentials: {},
    requiredResources: {},
    requiredSchemas: {},
  };
}

type CallOutcome =
  { rsp: RunFunctionResponse; error?: undefined } | { rsp?: undefined; error: grpc.ServiceError };

async function call(req: RunFunctionRequest): Promise<CallOutcome> {
  try {
    return { rsp: await client.run(req, CALL_DEADLINE_MS) };
  } catch (error) {
    return { error: error as grpc.ServiceError };
  }
}

function expectServerAlive(): void {
  expect(server.child.exitCode, 'server process exit code').toBeNull();
  expect(server.child.signalCode, 'server process killed by signal').toBeNull();
}

/** Sends the request and checks the call itself: no crash, no gRPC error, the tag copied. */
async function expectOkCall(req: RunFunctionRequest): Promise<RunFunctionResponse> {
  const outcome = await call(req);
  expectServerAlive();
  const status =
    outcome.error === undefined ? 'OK' : `${outcome.error.code} ${outcome.error.details}`;
  expect(status, 'gRPC status of a well-formed request').toBe('OK');
  const rsp = outcome.rsp!;
  expect(rsp.meta?.tag, 'response meta.tag').toBe(req.meta?.tag);
  return rsp;
}

function fatalResults(rsp: RunFunctionResponse) {
  return rsp.results.filter((r) => r.severity === Severity.SEVERITY_FATAL);
}

/** Keys of observed Objects that belong to a tenant object the XR still lists. */
function observedObjectKeys(req: RunFunctionRequest): string[] {
  const xr = req.observed?.composite?.resource;
  const objects = isJsonObject(xr) && isJsonObject(xr.spec) ? xr.spec.objects : undefined;
  if (!Array.isArray(objects)) return [];
  const keys: string[] = [];
  for (const entry of objects) {
    if (!isJsonObject(entry)) continue;
    let key: string | undefined;
    if (typeof entry.key === 'string') {
      key = entry.key;
    } else if (isJsonObject(entry.manifest) && isJsonObject(entry.manifest.metadata)) {
      const { kind } = entry.manifest;
      const { name, namespace } = entry.manifest.metadata;
      if (typeof kind === 'string' && typeof name === 'string') {
        key = defaultObjectKey(
          typeof namespace === 'string' ? { kind, name, namespace } : { kind, name },
        );
      }
    }
    const resourceKey = `object-${key}`;
    if (key !== undefined && isJsonObject(req.observed?.resources[resourceKey]?.resource)) {
      keys.push(resourceKey);
    }
  }
  return keys;
}

/**
 * Checks what every response must satisfy. A Fatal result has a message and
 * leaves desired state as the request had it. Otherwise desired state keeps
 * earlier steps' resources and observed Objects, has at most one Object per
 * remote object, and holds only partial, well-named composed resources.
 */
function expectResponseInvariants(req: RunFunctionRequest, rsp: RunFunctionResponse): void {
  const fatals = fatalResults(rsp);
  const internal = fatals.filter((r) => r.reason === 'InternalError').map((r) => r.message);
  expect(internal, 'Fatal results from a handler failure').toEqual([]);
  for (const result of fatals) {
    expect(result.message.trim(), 'message of a Fatal result').not.toBe('');
  }
  const undecodable = fatals.filter((r) => r.reason === 'RequestNotDecoded');
  if (undecodable.length > 0) {
    // The codec refuses Structs nested deeper than it can echo back safely,
    // the only cause a well-formed request has. The server cannot copy a
    // desired state it could not read, and a Fatal result applies nothing.
    expect(undecodable[0]!.message, 'why the request was not decoded').toContain(
      'nested deeper than',
    );
    expect(rsp.desired, 'desired state of the response to an undecodable request').toBeUndefined();
    return;
  }
  if (fatals.length > 0) {
    expect(rsp.desired, 'desired state of a Fatal response').toEqual(req.desired);
    return;
  }

  const desired = rsp.desired?.resources ?? {};
  const earlier = req.desired?.resources ?? {};
  for (const [key, resource] of Object.entries(earlier)) {
    expect(desired[key], `earlier step's desired resource ${key}`).toEqual(resource);
  }
  for (const key of observedObjectKeys(req)) {
    expect(desired[key]?.resource?.kind, `desired kind of observed Object ${key}`).toBe('Object');
  }
  const remoteObjects = new Map<string, string>();
  for (const [key, { resource }] of Object.entries(desired)) {
    if (key in earlier || resource?.kind !== 'Object') continue;
    const manifest = resource.spec?.forProvider?.manifest as JsonObject | undefined;
    const metadata = isJsonObject(manifest?.metadata) ? manifest.metadata : {};
    const group = String(manifest?.apiVersion).split('/').slice(0, -1).join('/');
    const remote = `${group}/${String(manifest?.kind)} ${String(metadata.namespace)}/${String(metadata.name)}`;
    expect(
      remoteObjects.get(remote),
      `desired Object managing ${remote} besides ${key}`,
    ).toBeUndefined();
    remoteObjects.set(remote, key);
  }
  for (const [key, { resource }] of Object.entries(desired)) {
    if (key in earlier) continue;
    const metadata = isJsonObject(resource?.metadata) ? resource.metadata : {};
    expect(resource?.status, `status of desired ${key}`).toBeUndefined();
    for (const field of SERVER_SET_METADATA) {
      expect(metadata[field], `metadata.${field} of desired ${key}`).toBeUndefined();
    }
    const name = metadata.name;
    expect(
      typeof name === 'string' && RFC1123_NAME.test(name),
      `metadata.name ${JSON.stringify(name)} of desired ${key} is RFC 1123`,
    ).toBe(true);
    expect(String(name).length, `length of metadata.name of desired ${key}`).toBeLessThanOrEqual(
      MAX_NAME_LENGTH,
    );
  }
}

/** Sends the request twice and checks both calls, the invariants and that the responses match. */
async function expectWellBehaved(doc: RequestDoc): Promise<RunFunctionResponse> {
  const req = toRequest(doc);
  const first = await expectOkCall(req);
  expectResponseInvariants(req, first);
  const second = await expectOkCall(req);
  expect(second, 'response to the same request sent again').toEqual(first);
  return first;
}

describe('RunFunction over the wire with random requests', () => {
  it(
    'answers valid requests without a Fatal result',
    { timeout: PROPERTY_TIMEOUT_MS },
    async () => {
      await fc.assert(
        fc.asyncProperty(validRequest, async (doc) => {
          const rsp = await expectWellBehaved(doc);
          expect(
            fatalResults(rsp).map((r) => r.message),
            'Fatal results for a valid request',
          ).toEqual([]);
        }),
        fuzzParameters(VALID_RUNS),
      );
    },
  );

  it('keeps its invariants for mutated requests', { timeout: PROPERTY_TIMEOUT_MS }, async () => {
    await fc.assert(
      fc.asyncProperty(mutatedRequest, async (doc) => {
        await expectWellBehaved(doc);
      }),
      fuzzParameters(MUTATED_RUNS),
    );
  });

  it('still serves the example as before the fuzzing', async () => {
    // The response recorded before the fuzzing composes the example's Secret.
    expect(exampleResponse.results).toEqual([]);
    const secretObject = exampleResponse.desired?.resources['object-tfc-example-secret'];
    expect(secretObject?.resource?.kind).toBe('Object');
    expect(secretObject?.resource?.spec?.forProvider?.manifest?.metadata).toEqual({
      name: 'tfc-example-secret',
      namespace: 'cluster12-tenant1',
    });

    expectServerAlive();
    const fresh = connectClient(server.address);
    try {
      expect(await fresh.run(exampleRequest())).toEqual(exampleResponse);
    } finally {
      fresh.close();
    }
  });
});
