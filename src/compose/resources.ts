import { Ready } from '@crossplane-org/function-sdk-typescript';
import type { ComposedResource, ConnectionPlan } from '../connection.js';
import { isObject } from '../errors.js';
import { objectResourceKey, usageResourceKey } from '../keys.js';
import type { ObjectPlan } from '../lifecycle.js';
import type { ComposedNames } from '../names.js';
import { buildObject } from './object.js';
import { PROVIDER_KUBERNETES_API_VERSION, type ProviderConfigRef } from './provider-config.js';
import { buildUsage, type UsageTarget } from './usage.js';

/**
 * Build the Object and its Usage for each tenant object that is composed
 * this call, with readiness from what was observed: the Object from its
 * Ready condition, the Usage once it exists.
 *
 * An observed Object keeps the provider config and the Usage target it was
 * created with when the connection cannot provide them now, so that a shared
 * cluster that is briefly not found never re-wires or drops an existing
 * Object.
 */
export function composeObjects(
  plans: readonly ObjectPlan[],
  connection: ConnectionPlan,
  names: ComposedNames,
  namespace: string,
  observedUsages: Readonly<Record<string, Record<string, unknown> | undefined>>,
): ComposedResource[] {
  const composed: ComposedResource[] = [];
  for (const plan of plans) {
    if (!plan.compose) continue;
    const objectKey = objectResourceKey(plan.object.key);
    const usageKey = usageResourceKey(plan.object.key);
    const objectName = names.object(plan.object.key);
    const providerConfigRef =
      connection.state.connected || plan.observed === undefined
        ? connection.providerConfigRef
        : (observedProviderConfigRef(plan.observed) ?? connection.providerConfigRef);
    composed.push({
      key: objectKey,
      resource: buildObject(plan.object, objectName, namespace, providerConfigRef),
      ready: plan.ready ? Ready.READY_TRUE : Ready.READY_FALSE,
    });

    const usageOf = connection.usageOf ?? observedUsageTarget(observedUsages[usageKey]);
    if (usageOf !== undefined) {
      const by: UsageTarget = {
        apiVersion: PROVIDER_KUBERNETES_API_VERSION,
        kind: 'Object',
        name: objectName,
        namespace,
      };
      composed.push({
        key: usageKey,
        resource: buildUsage(names.objectUsage(plan.object.key), usageOf, by),
        ready: observedUsages[usageKey] !== undefined ? Ready.READY_TRUE : Ready.READY_FALSE,
      });
    }
  }
  return composed;
}

function observedProviderConfigRef(
  observed: Record<string, unknown>,
): ProviderConfigRef | undefined {
  const spec = isObject(observed.spec) ? observed.spec : undefined;
  const ref = isObject(spec?.providerConfigRef) ? spec.providerConfigRef : undefined;
  if (typeof ref?.name !== 'string') return undefined;
  if (ref.kind !== 'ClusterProviderConfig' && ref.kind !== 'ProviderConfig') return undefined;
  return { kind: ref.kind, name: ref.name };
}

function observedUsageTarget(
  observed: Record<string, unknown> | undefined,
): UsageTarget | undefined {
  const spec = isObject(observed?.spec) ? observed.spec : undefined;
  const of = isObject(spec?.of) ? spec.of : undefined;
  const ref = isObject(of?.resourceRef) ? of.resourceRef : undefined;
  // The Usage is namespaced because its `by` is the Object, and such a Usage
  // can only protect a namespaced `of`; buildUsage throws for any other.
  if (
    typeof of?.apiVersion !== 'string' ||
    typeof of.kind !== 'string' ||
    typeof ref?.name !== 'string' ||
    typeof ref.namespace !== 'string'
  ) {
    return undefined;
  }
  return { apiVersion: of.apiVersion, kind: of.kind, name: ref.name, namespace: ref.namespace };
}
