/**
 * Field-level validation errors, worded like Kubernetes' field.Error so that
 * a platform engineer recognises them: `<path>: <type>: <value>: <detail>`.
 */

/** The kinds of field errors this function reports, named as Kubernetes names them. */
export type FieldErrorType =
  | 'Required value'
  | 'Invalid value'
  | 'Unsupported value'
  | 'Duplicate value'
  | 'Forbidden'
  | 'Too long'
  | 'Too many';

/** Maximum characters of an offending value quoted in a message. */
const MAX_QUOTED_VALUE = 64;

/** One invalid field: where it is, what is wrong, the value seen and how to fix it. */
export class FieldError {
  constructor(
    readonly path: string,
    readonly type: FieldErrorType,
    readonly detail: string,
    readonly value?: unknown,
  ) {}

  toString(): string {
    const quoted = this.value === undefined ? '' : `${quoteValue(this.value)}: `;
    return `${this.path}: ${this.type}: ${quoted}${this.detail}`;
  }
}

/**
 * Render a value for an error message, shortened so that a huge manifest or a
 * Secret's data never floods the XR's conditions or the logs.
 */
export function quoteValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') {
    text = JSON.stringify(value);
  } else if (value === null || typeof value !== 'object') {
    text = String(value);
  } else if (Array.isArray(value)) {
    text = `array of ${value.length}`;
  } else {
    text = `object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`;
  }
  // Escape what is not printable ASCII, so a look-alike character such as a
  // Cyrillic "а" shows as \u0430 instead of passing for the letter it mimics.
  text = text.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (text.length <= MAX_QUOTED_VALUE) {
    return text;
  }
  return `${text.slice(0, MAX_QUOTED_VALUE)}… (${text.length} characters)`;
}

/** Maximum field errors listed in one message; the rest are counted. */
const MAX_LISTED_ERRORS = 5;

/** Join field errors into one message that fits in a condition. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  const listed = errors.slice(0, MAX_LISTED_ERRORS).map((e) => e.toString());
  const hidden = errors.length - listed.length;
  if (hidden > 0) {
    listed.push(`and ${hidden} more`);
  }
  return listed.join('; ');
}

/** Type of a JSON value as a schema would name it, for "must be a string, not a number". */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Record that a field which must be an object is missing, or is present with
 * another type: the two need different fixes.
 */
export function objectRequired(path: string, value: unknown, fix: string): FieldError {
  if (value === undefined || value === null) {
    return new FieldError(path, 'Required value', fix);
  }
  return new FieldError(
    path,
    'Invalid value',
    `must be an object, not ${jsonType(value)} (${fix})`,
    value,
  );
}

/** Narrow to a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Read a required non-empty string, recording a field error that carries the fix when it is not one. */
export function requireString(
  value: unknown,
  path: string,
  fix: string,
  errors: FieldError[],
): string | undefined {
  if (typeof value === 'string' && value !== '') {
    return value;
  }
  if (value === undefined || value === '') {
    errors.push(new FieldError(path, 'Required value', fix));
  } else {
    errors.push(
      new FieldError(
        path,
        'Invalid value',
        `must be a string, not ${jsonType(value)} (${fix})`,
        value,
      ),
    );
  }
  return undefined;
}
