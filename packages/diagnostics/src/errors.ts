import { TrainlabError } from '@trainlab/tensor';

/** Stable codes of the errors `@trainlab/diagnostics` throws; match on `code`, not on the message. */
export type DiagnosticsErrorCode = 'E_INVALID_ARGUMENT' | 'E_CONFIG' | 'E_SHAPE' | 'E_ABORTED';

/** A user error, raised before any work starts; the message names the field, the allowed range and the value. */
export class DiagnosticsError extends TrainlabError<DiagnosticsErrorCode> {
  override readonly name = 'DiagnosticsError';

  constructor(code: DiagnosticsErrorCode, message: string) {
    super(code, message);
  }
}
