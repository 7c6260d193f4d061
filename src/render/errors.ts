/**
 * An expected failure of the render command: bad input, an unreachable
 * function or a fatal result. The CLI prints its message without a stack
 * trace, so the message must name the file, field or step at fault.
 */
export class RenderError extends Error {
  override readonly name = 'RenderError';
}

/**
 * Wraps a failure with what was being attempted, in the
 * "cannot <do something>: <cause>" chain that crossplane render prints.
 */
export function wrapError(message: string, cause: unknown): RenderError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new RenderError(`${message}: ${detail}`, { cause });
}
