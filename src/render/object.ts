/** A Kubernetes object or any other JSON object, as parsed from YAML. */
export type JsonObject = Record<string, unknown>;

/** The annotation that names a composed resource's key in the pipeline. */
export const COMPOSITION_RESOURCE_NAME = 'crossplane.io/composition-resource-name';

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the value at a field path such as ['metadata', 'name'], or undefined. */
export function getField(object: JsonObject, path: readonly string[]): unknown {
  let current: unknown = object;
  for (const segment of path) {
    if (!isJsonObject(current)) {
      return undefined;
    }
    current = current[segment];
  }
  return current;
}

/** Returns the string at a field path, or undefined when it is absent or not a string. */
export function getString(object: JsonObject, path: readonly string[]): string | undefined {
  const value = getField(object, path);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Returns the object at a field path, or undefined when it is absent or not
 * an object.
 */
export function getObject(object: JsonObject, path: readonly string[]): JsonObject | undefined {
  const value = getField(object, path);
  return isJsonObject(value) ? value : undefined;
}

/**
 * Returns the object at a field path, creating empty objects along the way and
 * replacing any non-object value found there.
 */
export function ensureObject(object: JsonObject, path: readonly string[]): JsonObject {
  let current = object;
  for (const segment of path) {
    const next = current[segment];
    if (isJsonObject(next)) {
      current = next;
      continue;
    }
    const created: JsonObject = {};
    current[segment] = created;
    current = created;
  }
  return current;
}

/** Returns a string map such as metadata.labels, skipping entries that are not strings. */
export function getStringMap(object: JsonObject, path: readonly string[]): Record<string, string> {
  const map = getObject(object, path) ?? {};
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value === 'string') {
      strings[key] = value;
    }
  }
  return strings;
}

/**
 * Compares strings by their UTF-8 bytes, the order Go's sort.Strings uses,
 * which differs from JavaScript's UTF-16 order outside the Basic
 * Multilingual Plane.
 */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
