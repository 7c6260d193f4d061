import { Ready } from '@crossplane-org/function-sdk-typescript';
import type { Settings } from '../input.js';
import {
  CLUSTER_AUTH_KEY,
  CLUSTER_AUTH_USAGE_KEY,
  PROVIDER_CONFIG_KEY,
  objectResourceKey,
  usageResourceKey,
} from '../keys.js';
import type { ObjectPlan, ObservedResources } from '../lifecycle.js';
import type { ComposedNames } from '../names.js';
import { isConditionTrue } from '../observed.js';
import type { RemoteClusterSpec } from '../xr.js';
import { buildClusterAuth } from './cluster-auth.js';
import { buildObject } from './object.js';
import { buildClusterProviderConfig } from './provider-config.js';
import { buildClusterAuthUsage, buildObjectUsage } from './usage.js';

/** One desired composed resource with the readiness this function gives it. */
export interface ComposedResource {
  key: string;
  resource: Record<string, unknown>;
  ready: Ready;
}

/**
 * Build every composed resource for this call, each with its readiness from
 * what was observed: ClusterAuth and Objects from their Ready condition; the
 * ClusterProviderConfig and Usages, which have no useful Ready condition of
 * their own, once they exist.
 */
export function composeResources(
  spec: RemoteClusterSpec,
  settings: Settings,
  names: ComposedNames,
  plans: readonly ObjectPlan[],
  observed: ObservedResources,
): ComposedResource[] {
  const readyIf = (ok: boolean): Ready => (ok ? Ready.READY_TRUE : Ready.READY_FALSE);
  const exists = (key: string): Ready => readyIf(observed[key] !== undefined);

  const composed: ComposedResource[] = [
    {
      key: CLUSTER_AUTH_KEY,
      resource: buildClusterAuth(spec.cluster, settings, names),
      ready: readyIf(isConditionTrue(observed[CLUSTER_AUTH_KEY], 'Ready')),
    },
    {
      key: PROVIDER_CONFIG_KEY,
      resource: buildClusterProviderConfig(settings, names),
      ready: exists(PROVIDER_CONFIG_KEY),
    },
  ];
  if (settings.clusterAuthAPIVersion === 'eks.aws.upbound.io/v1beta1') {
    composed.push({
      key: CLUSTER_AUTH_USAGE_KEY,
      resource: buildClusterAuthUsage(settings, names),
      ready: exists(CLUSTER_AUTH_USAGE_KEY),
    });
  }

  for (const plan of plans) {
    if (!plan.compose) continue;
    const objectKey = objectResourceKey(plan.object.key);
    const usageKey = usageResourceKey(plan.object.key);
    composed.push(
      {
        key: objectKey,
        resource: buildObject(plan.object, settings, names),
        ready: readyIf(plan.ready),
      },
      {
        key: usageKey,
        resource: buildObjectUsage(plan.object.key, settings, names),
        ready: exists(usageKey),
      },
    );
  }
  return composed;
}
