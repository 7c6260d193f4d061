#!/usr/bin/env node
/**
 * The benchmark's baseline: a minimal composition function served by the
 * stock SDK's `serve()`. It composes one resource and reads nothing from the
 * request, so its cost is the SDK's floor (gRPC, protobuf decode and encode,
 * the FunctionRunner wrapper). It takes the same flags as dist/main.js.
 */
import { Resource, serve, type ComposeFunction } from '@crossplane-org/function-sdk-typescript';

const compose: ComposeFunction = (_req, rsp) => {
  rsp.desired.resources['config'] = Resource.fromPartial({
    resource: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'baseline', namespace: 'default' },
      data: { composedBy: 'baseline' },
    },
  });
  return rsp;
};

serve(compose);
