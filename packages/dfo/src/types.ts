/** The shapes shared by every solver of `@trainlab/dfo`: objectives, evaluation records and results. */
import type { Rng } from '@trainlab/random';

/** A deterministic black box: a value for a point (sync or async). */
export type Objective = (x: Float64Array) => number | PromiseLike<number>;

/**
 * A noisy black box: one sample F(x, ξ) per call, with ξ drawn from `rng` (so that runs are
 * reproducible and points can share random numbers). Its mean is the objective f(x) = E F(x, ξ).
 */
export interface Oracle {
  sample(x: Float64Array, rng: Rng): number | PromiseLike<number>;
}

/** How one evaluation ended. Anything but `'ok'` counts as an unsuccessful point with value +∞. */
export type EvaluationStatus = 'ok' | 'nan' | 'infinite' | 'error' | 'timeout' | 'infeasible';

/** One evaluation (or one averaged estimate of a noisy objective) as the history streams it. */
export interface EvaluationRecord {
  /** Evaluations used so far, this one included (each sample of an estimate counts). */
  evaluations: number;
  iteration: number;
  /** Which part of the method asked: the start point, a search step, a poll, a re-estimate of the
   * current point, or (for min-max) the player. */
  phase: 'start' | 'search' | 'poll' | 'center';
  /** For min-max: whose move this evaluation tested. */
  player?: 'min' | 'max';
  x: Float64Array;
  y?: Float64Array;
  /** The value, or the estimate of a noisy objective; +∞ when the evaluation failed. */
  value: number;
  /** Samples averaged (1 for a deterministic objective, 0 for a point rejected without evaluation). */
  samples: number;
  status: EvaluationStatus;
  /** The error message of a failed evaluation. */
  error?: string;
  /** Milliseconds since the run started. */
  elapsedMs: number;
}

/** Why a run stopped. */
export type StopReason =
  | 'min-step'
  | 'tolerance'
  | 'target'
  | 'diverged'
  | 'max-evaluations'
  | 'max-iterations'
  | 'max-time'
  | 'aborted'
  | 'evaluations-failed';

/** One message per stop reason (the solvers' status table). */
export const STOP_MESSAGES: Readonly<Record<StopReason, string>> = {
  'min-step': 'the step size fell below minStep: no poll direction gives sufficient decrease at this scale',
  tolerance: 'the gradient (or gradient estimate) norm fell below tolerance',
  target: 'the target value was reached',
  diverged: 'the iterates left the region where the objective (or its gradient) is finite',
  'max-evaluations': 'the evaluation budget (maxEvaluations) is spent',
  'max-iterations': 'the iteration budget (maxIterations) is spent',
  'max-time': 'the wall-time budget (maxTimeMs) is spent',
  aborted: 'the AbortSignal fired',
  'evaluations-failed':
    'no evaluation gave a finite value (every call returned NaN or ±∞, threw or timed out): there is no result point',
};

/** `true` for the reasons that mean "converged" rather than "ran out". */
export function isSuccess(reason: StopReason): boolean {
  return reason === 'min-step' || reason === 'tolerance' || reason === 'target';
}

/** Budgets and hooks every solver takes. */
export interface RunOptions {
  /** Stop after this many evaluations (samples, for a noisy objective). @defaultValue 1000·(n + 1) */
  maxEvaluations?: number;
  /** Stop after this many iterations. @defaultValue Infinity */
  maxIterations?: number;
  /** Stop once a value ≤ target is accepted (≥ for the max player). @defaultValue -Infinity (never) */
  targetValue?: number;
  /** Stop after this much wall time. @defaultValue Infinity */
  maxTimeMs?: number;
  /** Stop when this signal aborts (the result is still returned). */
  signal?: AbortSignal;
  /** Give up on one evaluation of an async objective after this long (counted as a failure). @defaultValue Infinity */
  evaluationTimeoutMs?: number;
  /** Called with every evaluation as it finishes. */
  onEvaluation?: (record: EvaluationRecord) => void;
  /** Keep every evaluation record in `result.history`. @defaultValue false */
  keepHistory?: boolean;
  /** Seed of the random poll sets and of the noise streams. @defaultValue 0 */
  seed?: number | string;
}

/** What a solver returns: never throws on hitting a limit (like scipy's `OptimizeResult`). */
export interface SolverResult {
  x: Float64Array;
  /** f(x), or its last estimate for a noisy objective. */
  value: number;
  /** `true` when the run converged (`min-step` or `target`), `false` when a budget ended it. */
  success: boolean;
  status: StopReason;
  message: string;
  evaluations: number;
  iterations: number;
  /** Evaluations that failed (NaN, ±∞, a throw, a timeout) or points rejected as infeasible. */
  failures: number;
  elapsedMs: number;
  history?: EvaluationRecord[];
}
