/**
 * The error of `@trainlab/random`: a bad argument, with a message naming the parameter, the allowed
 * range and the value given. `code` is always `E_INVALID_ARGUMENT`.
 */
export class RandomError extends Error {
  override readonly name = 'RandomError';
  readonly code = 'E_INVALID_ARGUMENT' as const;
}

export function invalidArgument(param: string, allowed: string, got: unknown): RandomError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  return new RandomError(`${param} must be ${allowed}, got ${shown}`);
}
