/**
 * Field paths in Crossplane's syntax, such as `status.loadBalancer.ingress[0].hostname`
 * or `metadata.annotations[example.org/owner]`, used by statusFields to pick
 * values out of an observed remote object.
 */

/** A parsed path: object keys as strings, array indexes as numbers. */
export type FieldPath = readonly (string | number)[];

/**
 * Parse a field path. Dots separate keys; brackets hold an array index or a
 * key that may contain dots, optionally quoted.
 *
 * @throws Error with a message saying what is wrong where, for the caller to wrap.
 */
export function parseFieldPath(path: string): FieldPath {
  const segments: (string | number)[] = [];
  let i = 0;
  let expectKey = true;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) {
        throw new Error(`unclosed "[" at character ${i + 1}`);
      }
      let inner = path.slice(i + 1, end);
      if (/^\d+$/.test(inner)) {
        segments.push(Number(inner));
      } else {
        if (/^(["']).*\1$/.test(inner)) {
          inner = inner.slice(1, -1);
        }
        if (inner === '') {
          throw new Error(`empty brackets at character ${i + 1}`);
        }
        segments.push(inner);
      }
      i = end + 1;
      expectKey = false;
      continue;
    }
    if (ch === '.') {
      if (expectKey) {
        throw new Error(`empty key at character ${i + 1}`);
      }
      i += 1;
      expectKey = true;
      continue;
    }
    if (!expectKey) {
      throw new Error(`expected "." or "[" at character ${i + 1}`);
    }
    let end = i;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') {
      end += 1;
    }
    segments.push(path.slice(i, end));
    i = end;
    expectKey = false;
  }
  if (segments.length === 0 || expectKey) {
    throw new Error('the path is empty or ends with "."');
  }
  return segments;
}

/** Read the value at a parsed path, or undefined where any step is missing. */
export function getFieldValue(object: unknown, path: FieldPath): unknown {
  let current: unknown = object;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current)) {
        return undefined;
      }
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
