/**
 * The one error convention of every `@trainlab` package: an error has a stable `code` to match on,
 * a `kind` that says whose problem it is, and the `cause` it wraps.
 *
 * - `kind: 'user'`: the input was wrong (a bad argument, config or shape) or the environment cannot
 *   do what was asked (a backend asked for by name that cannot load). The message names the
 *   parameter, what is allowed and the value given; a program shows it as one line.
 * - `kind: 'internal'`: trainlab broke a promise of its own (a bug); a program shows the stack.
 *
 * It lives in this dependency-free package because every other package depends on it (directly, or
 * through `@trainlab/tensor`, which re-exports it).
 */
export type ErrorKind = 'user' | 'internal';

/** The base class of every error a `@trainlab` package throws. */
export class TrainlabError<Code extends string = string> extends Error {
  override readonly name: string = 'TrainlabError';
  readonly code: Code;
  readonly kind: ErrorKind;

  constructor(code: Code, message: string, options: { kind?: ErrorKind; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = options.kind ?? 'user';
  }
}

/** Whether `error` is a user error of a trainlab package (by `kind`, so two copies of a package still agree). */
export function isUserError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { kind?: unknown }).kind === 'user' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}
