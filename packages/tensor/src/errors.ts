import { TrainlabError } from '@trainlab/random';

/** Stable codes of the errors `@trainlab/tensor` throws; match on `code`, not on the message. */
export type TensorErrorCode =
  | 'E_INVALID_ARGUMENT'
  | 'E_BACKEND_UNKNOWN'
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_TENSOR_LEAK'
  | 'E_SHAPE';

/**
 * The error class of `@trainlab/tensor`. User errors (bad input) carry `E_INVALID_ARGUMENT`,
 * `E_BACKEND_UNKNOWN` or `E_SHAPE`; `E_BACKEND_UNAVAILABLE` means a backend that was asked for by
 * name could not load on this machine (its `cause` holds the loader's error).
 */
export class TensorError extends TrainlabError<TensorErrorCode> {
  override readonly name = 'TensorError';

  constructor(code: TensorErrorCode, message: string, options?: { cause?: unknown }) {
    // A leak is trainlab's own fault (or a test's); everything else is bad input or an unusable backend.
    super(code, message, { kind: code === 'E_TENSOR_LEAK' ? 'internal' : 'user', cause: options?.cause });
  }
}

/** An `E_INVALID_ARGUMENT` error naming the parameter, what is allowed and the value given. */
export function invalidArgument(param: string, allowed: string, got: unknown): TensorError {
  return invalidArgumentText(param, allowed, formatValue(got));
}

/** Like `invalidArgument`, with the "got" part already written (for values described, not shown). */
export function invalidArgumentText(param: string, allowed: string, got: string): TensorError {
  return new TensorError('E_INVALID_ARGUMENT', `${param} must be ${allowed}, got ${got}`);
}

/** Renders a user value for an error message without dumping large arrays. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    return value.length > 8
      ? `[${value.slice(0, 8).join(', ')}, … (${value.length} items)]`
      : `[${value.join(', ')}]`;
  }
  return String(value);
}
