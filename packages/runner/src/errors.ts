import { TrainlabError } from '@trainlab/random';

/** Stable codes of the errors `@trainlab/runner` throws. */
export type RunnerErrorCode = 'E_ABORTED' | 'E_CONFIG';

/**
 * A sweep stopped by its `signal` (cells already handed out stay valid), or a config its
 * experiment's schema refuses (a user error: every bad field is named, before any work).
 */
export class RunnerError extends TrainlabError<RunnerErrorCode> {
  override readonly name = 'RunnerError';

  constructor(code: RunnerErrorCode, message: string) {
    super(code, message);
  }
}
