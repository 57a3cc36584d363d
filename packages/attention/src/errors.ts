import { TrainlabError } from '@trainlab/tensor';

/** Stable codes of the errors `@trainlab/attention` throws; match on `code`, not on the message. */
export type AttentionErrorCode = 'E_CONFIG' | 'E_INVALID_ARGUMENT' | 'E_SHAPE' | 'E_UNKNOWN_PARAMETER';

/** One problem found in a config: the field's path (`mlp.hidden`), what is allowed and the value given. */
export interface ConfigIssue {
  path: string;
  allowed: string;
  got: string;
}

/**
 * The error class of `@trainlab/attention`. A bad config throws one `E_CONFIG` error that lists
 * every bad field in `issues` (and in the message), before any tensor is made.
 */
export class AttentionError extends TrainlabError<AttentionErrorCode> {
  override readonly name = 'AttentionError';
  readonly issues: readonly ConfigIssue[];

  constructor(code: AttentionErrorCode, message: string, issues: readonly ConfigIssue[] = []) {
    super(code, message);
    this.issues = issues;
  }
}

/** Renders a user value for a message without dumping large arrays. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    return value.length > 8
      ? `[${value.slice(0, 8).map(show).join(', ')}, … (${value.length} items)]`
      : `[${value.map(show).join(', ')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `a tensor of shape [${shape.join(', ')}]`;
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** An `E_INVALID_ARGUMENT` error naming the parameter, what is allowed and the value given. */
export function invalid(param: string, allowed: string, got: unknown): AttentionError {
  return new AttentionError('E_INVALID_ARGUMENT', `${param} must be ${allowed}, got ${show(got)}`);
}

/** An `E_SHAPE` error. */
export function shapeError(message: string): AttentionError {
  return new AttentionError('E_SHAPE', message);
}
