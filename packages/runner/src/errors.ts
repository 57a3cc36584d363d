import { TrainlabError } from '@trainlab/random';

/** Stable codes of the errors `@trainlab/runner` throws. */
export type RunnerErrorCode = 'E_ABORTED';

/** A sweep stopped by its `signal` (cells already handed out stay valid). */
export class RunnerError extends TrainlabError<RunnerErrorCode> {
  override readonly name = 'RunnerError';

  constructor(code: RunnerErrorCode, message: string) {
    super(code, message);
  }
}
