import {
  Ready,
  type Resource,
  type RunFunctionRequest,
} from '@crossplane-org/function-sdk-typescript';

/** The bundled example's XR spec, the blog post's scenario. */
export function exampleXR(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'remote.example.org/v1alpha1',
    kind: 'RemoteCluster',
    metadata: { name: 'tfc-cluster12', uid: '6f0e8c3a-5d0a-4b1e-9a51-3f1c2b7d9e10' },
    spec: {
      cluster: { name: 'tfc-cluster12', region: 'eu-west-2' },
      objects: [
        {
          key: 'tfc-example-secret',
          manifest: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'tfc-example-secret', namespace: 'cluster12-tenant1' },
            data: { secret_information: 'c29tZXJ1YmJpc2gK' },
          },
        },
      ],
    },
    ...overrides,
  };
}

export const EXAMPLE_INPUT = {
  apiVersion: 'remoteeks.fn.crossplane.io/v1alpha1',
  kind: 'Input',
  clusterAuth: { providerConfigRef: { name: 'eks' } },
};

/** A condition as providers write it. */
export function condition(
  type: string,
  status: 'True' | 'False',
  reason: string,
  message?: string,
) {
  return message === undefined ? { type, status, reason } : { type, status, reason, message };
}

/** An observed resource: what the function desired, as the API server returns it with a status. */
export function observedFrom(
  desired: Record<string, unknown>,
  status: Record<string, unknown> = {},
): Record<string, unknown> {
  const metadata = {
    ...(desired.metadata as Record<string, unknown>),
    uid: 'uid-1',
    resourceVersion: '1',
  };
  return { ...structuredClone(desired), metadata, status };
}

export function resource(
  body: Record<string, unknown>,
  ready: Ready = Ready.READY_UNSPECIFIED,
): Resource {
  return { resource: body, connectionDetails: {}, ready };
}

/** Build a request the way Crossplane does for the first pipeline step. */
export function request(opts: {
  xr?: Record<string, unknown>;
  input?: Record<string, unknown> | undefined;
  observed?: Record<string, Record<string, unknown>>;
  desired?: Record<string, Record<string, unknown>>;
  tag?: string;
}): RunFunctionRequest {
  const observed: Record<string, Resource> = {};
  for (const [key, body] of Object.entries(opts.observed ?? {})) observed[key] = resource(body);
  const desired: Record<string, Resource> = {};
  for (const [key, body] of Object.entries(opts.desired ?? {})) desired[key] = resource(body);
  return {
    meta: { tag: opts.tag ?? 'test', capabilities: [] },
    observed: { composite: resource(opts.xr ?? exampleXR()), resources: observed },
    desired: { composite: undefined, resources: desired },
    input: 'input' in opts ? opts.input : EXAMPLE_INPUT,
    context: {},
    extraResources: {},
    credentials: {},
    requiredResources: {},
    requiredSchemas: {},
  };
}
