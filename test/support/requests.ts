import { RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';

/** base64 of "somerubbish\n", the Secret value of the bundled example. */
export const SECRET_VALUE_BASE64 = 'c29tZXJ1YmJpc2gK';
export const SECRET_VALUE = 'somerubbish';

export const XR_API_VERSION = 'remote.example.org/v1alpha1';
export const XR_KIND = 'RemoteCluster';

export interface RequestOptions {
  tag: string;
  xrName?: string;
  /**
   * Bytes of filler in a ConfigMap that an earlier pipeline step composed, so
   * a handler that passes desired state through returns a response of about
   * the same size.
   */
  fillerBytes?: number;
}

/** Splits the filler into 256 KiB strings, the way large ConfigMap data usually looks. */
function fillerData(bytes: number): Record<string, string> {
  const chunk = 256 * 1024;
  const data: Record<string, string> = {};
  for (let offset = 0, index = 0; offset < bytes; offset += chunk, index++) {
    data[`part-${index}`] = 'x'.repeat(Math.min(chunk, bytes - offset));
  }
  return data;
}

/**
 * Builds a request for the example RemoteCluster XR, whose spec lists a
 * Secret manifest with data, as Crossplane sends it to the first pipeline
 * step, plus an optional filler ConfigMap from an earlier step.
 */
export function remoteClusterRequest(options: RequestOptions): RunFunctionRequest {
  const name = options.xrName ?? 'tfc-cluster12';
  const xr = {
    apiVersion: XR_API_VERSION,
    kind: XR_KIND,
    metadata: { name, uid: '6f1c1f6e-2d7f-4a53-9c8e-0d1b8a0f0c11' },
    spec: {
      cluster: { name, region: 'eu-west-2' },
      objects: [
        {
          key: 'tfc-example-secret',
          manifest: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'tfc-example-secret', namespace: 'cluster12-tenant1' },
            data: { secret_information: SECRET_VALUE_BASE64 },
          },
        },
      ],
    },
  };

  const composed: Record<string, { resource: Record<string, unknown> }> = {};
  if (options.fillerBytes) {
    composed.filler = {
      resource: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${name}-filler`, namespace: 'default' },
        data: fillerData(options.fillerBytes),
      },
    };
  }

  return RunFunctionRequest.fromPartial({
    meta: { tag: options.tag },
    observed: { composite: { resource: xr }, resources: {} },
    desired: {
      composite: { resource: { apiVersion: XR_API_VERSION, kind: XR_KIND } },
      resources: composed,
    },
  });
}

/** Size of the request on the wire, without gRPC framing. */
export function encodedSize(req: RunFunctionRequest): number {
  return RunFunctionRequest.encode(req).finish().byteLength;
}
