/** Stable codes of the errors `@trainlab/diagnostics` throws; match on `code`, not on the message. */
export type DiagnosticsErrorCode = 'E_INVALID_ARGUMENT' | 'E_CONFIG' | 'E_SHAPE' | 'E_ABORTED';

/** A user error, raised before any work starts; the message names the field, the allowed range and the value. */
export class DiagnosticsError extends Error {
  override readonly name = 'DiagnosticsError';
  readonly code: DiagnosticsErrorCode;

  constructor(code: DiagnosticsErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
