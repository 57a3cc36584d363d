/**
 * The one place where solvers call user code: budgets, failures, timeouts, bounds, noisy
 * estimates and the streamed history all live here, so every solver treats them alike.
 */
import { Rng } from '@trainlab/random';
import { type ResolvedEstimation, requiredSamples } from './estimation';
import type { EvaluationRecord, EvaluationStatus, RunOptions, StopReason } from './types';

/** One call of the objective (or one sample of a noisy one) with its noise stream. */
export type Call = (rng: Rng) => number | PromiseLike<number>;

/** Where an evaluation happens: fills the record's context fields. */
export interface EvalContext {
  iteration: number;
  phase: EvaluationRecord['phase'];
  player?: 'min' | 'max';
  /** The step size the estimate must be accurate for. */
  stepSize: number;
  /** The noise stream of this estimate (noisy objectives only). */
  rng?: Rng;
}

/** The point the record shows: x, and y for a game. */
export interface Where {
  x: Float64Array;
  y?: Float64Array;
}

export interface EvalOutcome {
  value: number;
  status: EvaluationStatus;
  samples: number;
}

/** Resolved run options: budgets and hooks. */
export interface Budget {
  maxEvaluations: number;
  maxIterations: number;
  maxTimeMs: number;
  evaluationTimeoutMs: number;
  signal: AbortSignal | undefined;
  onEvaluation: ((r: EvaluationRecord) => void) | undefined;
  keepHistory: boolean;
}

export function resolveBudget(o: RunOptions, dimension: number): Budget {
  return {
    maxEvaluations: o.maxEvaluations ?? 1000 * (dimension + 1),
    maxIterations: o.maxIterations ?? Number.POSITIVE_INFINITY,
    maxTimeMs: o.maxTimeMs ?? Number.POSITIVE_INFINITY,
    evaluationTimeoutMs: o.evaluationTimeoutMs ?? Number.POSITIVE_INFINITY,
    signal: o.signal,
    onEvaluation: o.onEvaluation,
    keepHistory: o.keepHistory ?? false,
  };
}

export class Evaluator {
  evaluations = 0;
  failures = 0;
  /** An evaluation returned −∞: a minimization's objective is unbounded below (the run diverged). */
  minusInfinity = false;
  readonly history: EvaluationRecord[] = [];
  private readonly started = performance.now();
  /** Noisy objectives are averaged as `estimation` says; deterministic ones are called once. */
  readonly noisy: boolean;

  constructor(
    private readonly budget: Budget,
    private readonly estimation: ResolvedEstimation | undefined,
  ) {
    this.noisy = estimation !== undefined;
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** The budget that has run out, if any (evaluations, time or abort). */
  exhausted(): StopReason | undefined {
    if (this.budget.signal?.aborted) return 'aborted';
    if (this.evaluations >= this.budget.maxEvaluations) return 'max-evaluations';
    if (this.elapsedMs() >= this.budget.maxTimeMs) return 'max-time';
    return undefined;
  }

  /** Evaluations left in the budget. */
  remaining(): number {
    return Math.max(0, this.budget.maxEvaluations - this.evaluations);
  }

  /** The limit that ends a run before iteration `iterations + 1`: a spent budget or the iteration cap. */
  limitReached(iterations: number): StopReason | undefined {
    return this.exhausted() ?? (iterations >= this.budget.maxIterations ? 'max-iterations' : undefined);
  }

  /** Records a point rejected without evaluation (outside the bounds: the extreme barrier). */
  reject(where: Where, ctx: EvalContext): EvalOutcome {
    const outcome: EvalOutcome = { value: Number.POSITIVE_INFINITY, status: 'infeasible', samples: 0 };
    this.failures++;
    this.emit(where, ctx, outcome, undefined);
    return outcome;
  }

  /**
   * Evaluates a point through `call` (for a noisy objective: averages as many samples as the step
   * size needs). Never throws for a failing objective: the outcome says how it failed, value +∞.
   */
  async evaluate(call: Call, where: Where, ctx: EvalContext): Promise<EvalOutcome> {
    await this.letSignalsIn();
    let outcome: EvalOutcome;
    let error: string | undefined;
    try {
      outcome = this.noisy ? await this.estimate(call, ctx) : await this.once(call, ctx.rng);
      if (!this.noisy) this.evaluations++;
    } catch (e) {
      error = e instanceof TimeoutError ? e.message : e instanceof Error ? e.message : String(e);
      outcome = {
        value: Number.POSITIVE_INFINITY,
        status: e instanceof TimeoutError ? 'timeout' : 'error',
        samples: 1,
      };
      if (!this.noisy) this.evaluations++;
    }
    if (outcome.status !== 'ok') this.failures++;
    this.emit(where, ctx, outcome, error);
    return outcome;
  }

  private lastYield = performance.now();

  /**
   * With an AbortSignal, gives the event loop a turn every 20 ms, so that a timer or an event can
   * fire the signal even when the objective is synchronous (a loop of awaits on plain numbers
   * never lets them run).
   */
  private async letSignalsIn(): Promise<void> {
    if (!this.budget.signal || this.budget.signal.aborted) return;
    const now = performance.now();
    if (now - this.lastYield < 20) return;
    this.lastYield = now;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }

  private async once(call: Call, rng: Rng | undefined): Promise<EvalOutcome> {
    const value = await this.withTimeout(call(rng ?? FALLBACK_RNG));
    if (Number.isNaN(value)) return { value: Number.POSITIVE_INFINITY, status: 'nan', samples: 1 };
    if (value === Number.NEGATIVE_INFINITY) this.minusInfinity = true;
    if (!Number.isFinite(value)) return { value: Number.POSITIVE_INFINITY, status: 'infinite', samples: 1 };
    return { value, status: 'ok', samples: 1 };
  }

  private async estimate(call: Call, ctx: EvalContext): Promise<EvalOutcome> {
    const e = this.estimation!;
    const rng = ctx.rng ?? FALLBACK_RNG;
    let n = 0;
    let mean = 0;
    let m2 = 0; // Welford's running sum of squared deviations
    const draw = async (count: number): Promise<EvalOutcome | undefined> => {
      for (let i = 0; i < count; i++) {
        if (this.evaluations >= this.budget.maxEvaluations) return undefined;
        this.evaluations++;
        const s = await this.once(call, rng);
        if (s.status !== 'ok') return { ...s, samples: n + 1 };
        n++;
        const delta = s.value - mean;
        mean += delta / n;
        m2 += delta * (s.value - mean);
      }
      return undefined;
    };
    const failed =
      (await draw(e.pilotSamples)) ??
      (await draw(requiredSamples(n > 1 ? m2 / (n - 1) : 0, ctx.stepSize, e) - n));
    if (failed) return failed;
    if (n === 0) return { value: Number.POSITIVE_INFINITY, status: 'error', samples: 0 };
    return { value: mean, status: 'ok', samples: n };
  }

  /**
   * Waits for an evaluation that is still pending (a Promise or any other thenable) no longer than
   * the limits allow: `evaluationTimeoutMs` for the evaluation itself, the rest of `maxTimeMs` for
   * the run, and the abort signal. A limit that passes first fails this evaluation ('timeout') and
   * the solver then stops with the run's result; the pending call is left behind (JavaScript cannot
   * cancel it). A plain number returns at once: a synchronous objective cannot be interrupted.
   */
  private withTimeout(value: number | PromiseLike<number>): number | Promise<number> {
    if (!isThenable(value)) return value;
    const budget = this.budget;
    const evaluationMs = budget.evaluationTimeoutMs;
    const runMs = budget.maxTimeMs - this.elapsedMs();
    const signal = budget.signal;
    const timers: ReturnType<typeof setTimeout>[] = [];
    let onAbort: (() => void) | undefined;
    const limits = new Promise<never>((_, reject) => {
      if (Number.isFinite(evaluationMs)) {
        timers.push(
          setTimeout(
            () =>
              reject(new TimeoutError(`evaluation took longer than evaluationTimeoutMs = ${evaluationMs}`)),
            evaluationMs,
          ),
        );
      }
      if (Number.isFinite(runMs)) {
        timers.push(
          setTimeout(
            () =>
              reject(
                new TimeoutError(
                  `the run's maxTimeMs = ${budget.maxTimeMs} passed while this evaluation was pending`,
                ),
              ),
            Math.max(0, runMs),
          ),
        );
      }
      if (signal) {
        onAbort = () => reject(new TimeoutError('the AbortSignal fired while this evaluation was pending'));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    if (timers.length === 0 && !signal) return Promise.resolve(value);
    return Promise.race([Promise.resolve(value), limits]).finally(() => {
      for (const t of timers) clearTimeout(t);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    });
  }

  private emit(where: Where, ctx: EvalContext, o: EvalOutcome, error: string | undefined): void {
    if (!this.budget.onEvaluation && !this.budget.keepHistory) return;
    const record: EvaluationRecord = {
      evaluations: this.evaluations,
      iteration: ctx.iteration,
      phase: ctx.phase,
      x: Float64Array.from(where.x),
      value: o.value,
      samples: o.samples,
      status: o.status,
      elapsedMs: this.elapsedMs(),
    };
    if (ctx.player) record.player = ctx.player;
    if (where.y) record.y = Float64Array.from(where.y);
    if (error !== undefined) record.error = error;
    if (this.budget.keepHistory) this.history.push(record);
    this.budget.onEvaluation?.(record);
  }
}

class TimeoutError extends Error {}

/** A Promise or any other object with a `then` method (awaited like a Promise). */
function isThenable(value: unknown): value is PromiseLike<number> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

// Deterministic objectives ignore the stream; noisy ones always get one from the solver.
const FALLBACK_RNG = new Rng(0);
