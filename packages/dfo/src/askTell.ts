/**
 * Ask/tell: the solvers as objects that propose points and take their values, so that you evaluate
 * them where and when you like (a cluster, a job scheduler, a lab). There is one loop: the solver's
 * own. `askTell` runs `directSearch`, `minimax` or `nelderMead` with an objective whose values come
 * from `tell`, and `ask` hands out the points the solver is waiting for (all of a concurrent poll
 * at once: pass `concurrency`).
 *
 * The state is the sequence of values told so far: `checkpoint()` is that sequence as JSON, and
 * `askTell(…, { resume: checkpoint })` replays it through the same solver with the same options and
 * seed, so the run continues with exactly the iterates it would have had (bit for bit), whatever
 * process or machine it resumes on. Replaying costs only the solver's own work.
 */
import { type NelderMeadOptions, nelderMead } from './baselines/nelderMead';
import { type DirectSearchOptions, type DirectSearchResult, directSearch } from './directSearch';
import { DfoError, invalid } from './errors';
import { type MinimaxOptions, type MinimaxResult, minimax } from './minimax';
import type { SolverResult } from './types';

/** One value told to the solver, as a checkpoint stores it: a number, or why the evaluation failed. */
export type ToldValue = number | { error: string };

/** What a run's state serializes to: enough to resume it exactly, given the same start and options. */
export interface Checkpoint {
  format: 'trainlab-dfo-checkpoint';
  version: 1;
  solver: AskTellSolver;
  /** Every value told so far, in the order the points were asked. */
  values: (number | string | { error: string })[];
}

/** The solvers `askTell` drives. */
export type AskTellSolver = 'direct-search' | 'minimax' | 'nelder-mead';

/** A point the solver waits for: x, and y for a min-max game. */
export interface AskedPoint {
  x: Float64Array;
  y?: Float64Array;
}

interface Waiting {
  point: AskedPoint;
  resolve: (value: number) => void;
  reject: (error: Error) => void;
}

/** The start of a run: x0 for minimization, { x0, y0 } for a game. */
type Start<S extends AskTellSolver> = S extends 'minimax'
  ? { x0: ArrayLike<number>; y0: ArrayLike<number> }
  : ArrayLike<number>;
type Options<S extends AskTellSolver> = S extends 'minimax'
  ? MinimaxOptions
  : S extends 'nelder-mead'
    ? NelderMeadOptions
    : DirectSearchOptions;
type Result<S extends AskTellSolver> = S extends 'minimax'
  ? MinimaxResult
  : S extends 'nelder-mead'
    ? SolverResult
    : DirectSearchResult;

/** JSON has no ±Infinity or NaN: they are stored as strings. */
function encode(v: ToldValue): Checkpoint['values'][number] {
  if (typeof v !== 'number') return v;
  return Number.isFinite(v) ? v : String(v);
}
function decode(v: Checkpoint['values'][number]): ToldValue {
  return typeof v === 'string' ? Number(v) : v;
}

/** A solver driven by ask/tell (see the module comment). */
export class AskTellOptimizer<S extends AskTellSolver> {
  private readonly waiting: Waiting[] = [];
  private readonly told: ToldValue[] = [];
  private replay: ToldValue[];
  private handedOut = 0;
  private finished = false;
  private wake: (() => void) | undefined;
  /** The solver's result, once it has stopped (a budget, convergence, …). */
  readonly result: Promise<Result<S>>;

  constructor(
    readonly solver: S,
    start: Start<S>,
    options: Options<S> = {} as Options<S>,
    resume?: Checkpoint,
  ) {
    if (resume !== undefined) {
      if (
        resume?.format !== 'trainlab-dfo-checkpoint' ||
        resume.version !== 1 ||
        !Array.isArray(resume.values)
      )
        throw invalid('resume', 'a checkpoint from checkpoint()', resume);
      if (resume.solver !== solver)
        throw invalid('resume.solver', `'${solver}' (the solver resuming it)`, resume.solver);
    }
    this.replay = (resume?.values ?? []).map(decode);
    const evaluate = (point: AskedPoint): Promise<number> => {
      // Replay first: the values of the run being resumed, without asking anyone.
      const known = this.replay.shift();
      if (known !== undefined) {
        this.told.push(known);
        return typeof known === 'number' ? Promise.resolve(known) : Promise.reject(new Error(known.error));
      }
      return new Promise<number>((resolve, reject) => {
        this.waiting.push({ point, resolve, reject });
        this.wake?.();
      });
    };
    const run = (): Promise<unknown> => {
      switch (solver) {
        case 'minimax':
          return minimax(
            (x, y) => evaluate({ x: Float64Array.from(x), y: Float64Array.from(y) }),
            start as Start<'minimax'>,
            options as MinimaxOptions,
          );
        case 'nelder-mead':
          return nelderMead(
            (x) => evaluate({ x: Float64Array.from(x) }),
            start as ArrayLike<number>,
            options,
          );
        case 'direct-search':
          return directSearch(
            (x) => evaluate({ x: Float64Array.from(x) }),
            start as ArrayLike<number>,
            options,
          );
        default:
          throw invalid('solver', "'direct-search', 'minimax' or 'nelder-mead'", solver);
      }
    };
    this.result = (run() as Promise<Result<S>>).finally(() => {
      this.finished = true;
      this.wake?.();
    });
    // Bad options reject `result` at once; keep that from being an unhandled rejection here.
    this.result.catch(() => undefined);
  }

  /**
   * The points the solver waits for (those not handed out yet), once it waits for at least one;
   * `[]` when it has stopped (read `result`). Evaluate them and `tell` their values in this order.
   */
  async ask(): Promise<AskedPoint[]> {
    for (;;) {
      if (this.waiting.length > this.handedOut) {
        // Let the solver issue the rest of a concurrent poll before handing the batch out.
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        const fresh = this.waiting.slice(this.handedOut).map((w) => ({ ...w.point }));
        this.handedOut = this.waiting.length;
        return fresh;
      }
      if (this.finished) {
        await this.result;
        return [];
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  /**
   * The values of the points `ask` handed out, in that order (a failed evaluation: NaN, ±∞, or
   * `{ error }`). Fewer than were handed out is fine; the rest stay pending.
   */
  tell(values: readonly ToldValue[]): void {
    if (values.length > this.handedOut)
      throw new DfoError(
        'E_INVALID_ARGUMENT',
        `tell got ${values.length} values for ${this.handedOut} points handed out by ask()`,
      );
    for (const v of values) {
      const w = this.waiting.shift()!;
      this.handedOut--;
      this.told.push(v);
      if (typeof v === 'number') w.resolve(v);
      else if (v && typeof v === 'object' && typeof v.error === 'string') w.reject(new Error(v.error));
      else throw invalid('tell: each value', 'a number or { error: string }', v);
    }
  }

  /** Whether the solver has stopped. */
  get done(): boolean {
    return this.finished;
  }

  /** The run so far as JSON-safe data: resume it with `askTell(solver, start, options, { resume })`. */
  checkpoint(): Checkpoint {
    return {
      format: 'trainlab-dfo-checkpoint',
      version: 1,
      solver: this.solver,
      values: [...this.told, ...this.replay].map(encode),
    };
  }
}

/**
 * A solver as an ask/tell object (see `AskTellOptimizer`). Deterministic objectives only: a noisy
 * oracle needs the solver's random stream.
 *
 * @example
 * ```ts
 * const opt = askTell('direct-search', [0, 0], { maxEvaluations: 200 });
 * for (let batch = await opt.ask(); batch.length > 0; batch = await opt.ask()) {
 *   opt.tell(await evaluateOnMyCluster(batch.map((p) => p.x)));
 *   saveSomewhere(JSON.stringify(opt.checkpoint()));
 * }
 * const result = await opt.result;
 * ```
 */
export function askTell<S extends AskTellSolver>(
  solver: S,
  start: Start<S>,
  options?: Options<S>,
  from?: { resume?: Checkpoint },
): AskTellOptimizer<S> {
  return new AskTellOptimizer(solver, start, options, from?.resume);
}
