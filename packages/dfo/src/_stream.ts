/**
 * Runs as async generators: every evaluation of a run streamed as it happens, the run's result as
 * the generator's return value (`iterateDirectSearch`, `iterateMinimax`).
 */
import type { Budget } from './_evaluator';
import type { EvaluationRecord } from './types';

/**
 * Runs `run` with every evaluation also sent to an async generator (after the user's own
 * `onEvaluation`); the generator's return value is the run's result.
 */
export function streamRun<R>(budget: Budget, run: () => Promise<R>): AsyncGenerator<EvaluationRecord, R> {
  return stream<R>((emit) => {
    const user = budget.onEvaluation;
    budget.onEvaluation = (r) => {
      user?.(r);
      emit(r);
    };
    return run();
  });
}

/**
 * Turns a run that reports through a callback into an async generator whose return value is the
 * run's result.
 */
async function* stream<R>(
  run: (emit: (r: EvaluationRecord) => void) => Promise<R>,
): AsyncGenerator<EvaluationRecord, R> {
  const queue: EvaluationRecord[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  let hasFailed = false;
  let result: R | undefined;
  run((r) => {
    queue.push(r);
    wake?.();
  }).then(
    (r) => {
      result = r;
      finished = true;
      wake?.();
    },
    (e) => {
      failure = e;
      hasFailed = true;
      finished = true;
      wake?.();
    },
  );
  for (;;) {
    while (queue.length > 0) yield queue.shift()!;
    if (finished) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  while (queue.length > 0) yield queue.shift()!;
  if (hasFailed) throw failure;
  return result as R;
}
