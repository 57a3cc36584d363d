/**
 * Direct search for min-max games min_x max_y f(x, y) where y ↦ f(x, y) satisfies the
 * Polyak–Łojasiewicz condition and x ↦ max_y f(x, y) may be nonconvex (Anagnostidis, Lucchi &
 * Diouane, AISTATS 2021). Each round the max player takes direct-search ascent iterations on
 * y ↦ f(x_k, y) (sufficient increase, its own step size and poll set), then the min player takes one
 * direct-search iteration on x ↦ f(x, y_{k+1}) (sufficient decrease). With a noisy oracle both
 * compare probabilistically accurate estimates.
 *
 * How this differs from the paper: the number of max steps per round and the coupling of the two
 * step sizes are options here (`maxPlayerSteps`, `stepCoupling`); the defaults were chosen by
 * measurement on the games of `./problems/games` (see the package README), not taken from it.
 */
import { Rng } from '@trainlab/random';
import { type Call, Evaluator, resolveBudget } from './_evaluator';
import {
  type Bounds,
  type IterationOutcome,
  iterate,
  type PlayerOptions,
  resolveBounds,
  resolvePlayer,
  startState,
} from './_player';
import { streamRun } from './_stream';
import { checkRun } from './directSearch';
import { checkKeys, checkNumber, invalid, PLAYER_KEYS, RUN_KEYS, toVector } from './errors';
import { type Estimation, resolveEstimation } from './estimation';
import {
  type EvaluationRecord,
  isSuccess,
  type RunOptions,
  type SolverResult,
  STOP_MESSAGES,
  type StopReason,
} from './types';

/** A deterministic game: the value of f at (x, y). */
export type GameObjective = (x: Float64Array, y: Float64Array) => number | PromiseLike<number>;

/** A noisy game: one sample F(x, y, ξ) with ξ from `rng`; f(x, y) = E F(x, y, ξ). */
export interface GameOracle {
  sample(x: Float64Array, y: Float64Array, rng: Rng): number | PromiseLike<number>;
}

/** One player's options: direct-search options and optional box bounds. */
export interface GamePlayerOptions extends PlayerOptions {
  bounds?: Bounds;
}

/** Options of `minimax`: per-player direct-search options, the round structure, budget and noise handling. */
export interface MinimaxOptions extends Omit<RunOptions, 'targetValue'> {
  /**
   * The min player (x).
   * @defaultValue complete polling, forcing constant 2 and expansion γ = 1 (never expands): with a
   * smaller constant or an expanding step the min player outran the max player on the quadratic games
   */
  min?: GamePlayerOptions;
  /** The max player (y). @defaultValue the probabilistic poll set, forcing constant 1e-4 (1 for a noisy oracle), expansion γ = 2 */
  max?: GamePlayerOptions;
  /** At most this many ascent iterations of the max player before each min-player iteration. @defaultValue 10 */
  maxPlayerSteps?: number;
  /**
   * `'adaptive'`: the max player stops early once an iteration fails with its step below the min
   * player's (it has resolved y at the scale x moves on); `'fixed'`: always `maxPlayerSteps`.
   * @defaultValue 'adaptive' (on the six games it converged where 'fixed' with 2 or 4 steps stalled;
   * `bench/minimax.bench.ts` reruns the comparison)
   */
  maxPlayerRule?: 'adaptive' | 'fixed';
  /**
   * `'lift-max'`: after each round the max player's step is raised to at least the min player's, so
   * that a y-step that shrank while x was still moving can track the moving maximizer again;
   * `'none'`: the two steps are independent. @defaultValue 'lift-max'
   */
  stepCoupling?: 'lift-max' | 'none';
  /**
   * When the min player's move counts. The analysis is about Φ(x) = max_y f(x, y), but a move is
   * judged against the current y only, and the max player's next y can undo it: on robust least
   * squares x alternated between two points forever, each move a sufficient decrease of f(·, y_k)
   * and Φ never falling. `'phi'`: a move back to a point the min player already stood on at this
   * same step size is no progress in Φ over that cycle, so it counts as a failure (x stays, α_x
   * shrinks); every accepted move is then one that no response has undone at this scale, and α_x
   * shrinks whenever Φ stops falling, as the convergence argument needs. `'f'`: every sufficient
   * decrease of f(·, y_k) counts (the plain alternating scheme).
   * @defaultValue 'phi'
   */
  acceptance?: 'phi' | 'f';
  /** Points evaluated at once within a poll. @defaultValue 1 */
  concurrency?: number;
  /** For a noisy oracle: how estimates are made. */
  estimation?: Estimation;
  /** For a noisy oracle: points compared in one iteration share random numbers. @defaultValue true */
  commonRandomNumbers?: boolean;
  /** Called after every round with both players' points (trajectories, progress). */
  onRound?: (info: RoundInfo) => void;
}

/** What `onRound` of the min-max solvers receives after each round (copies, safe to keep). */
export interface RoundInfo {
  /** The round just finished, from 1. */
  round: number;
  /** The min player's point. */
  x: Float64Array;
  /** The max player's point. */
  y: Float64Array;
  /**
   * The last value the solver computed: f(x, y) or its estimate for direct search and GDA; for
   * zeroth-order GDA the value at the min player's point before its update.
   */
  value: number;
  /** Evaluations used so far. */
  evaluations: number;
  /** The players' step sizes (direct search) or learning rates (gradient descent–ascent). */
  stepSizes: { min: number; max: number };
}

export interface MinimaxResult extends SolverResult {
  /** The max player's point at the end. */
  y: Float64Array;
  /** Rounds (one min-player iteration each). */
  iterations: number;
  stepSizes: { min: number; max: number };
}

/**
 * Solves min_x max_y f(x, y) by alternating direct search (the paper's method).
 *
 * @example
 * ```ts
 * const f = (x: Float64Array, y: Float64Array) => x[0] ** 2 + 2 * x[0] * y[0] - y[0] ** 2;
 * const r = await minimax(f, { x0: [1], y0: [1] });
 * r.x; r.y; // both ≈ [0], the saddle point
 * ```
 * @throws {DfoError} for bad inputs, before any evaluation.
 */
export async function minimax(
  f: GameObjective | GameOracle,
  start: { x0: ArrayLike<number>; y0: ArrayLike<number> },
  options: MinimaxOptions = {},
): Promise<MinimaxResult> {
  return runMinimax(prepareGame(f, start, options));
}

/** `minimax` as an async iterator of every evaluation; its return value is the result. */
export function iterateMinimax(
  f: GameObjective | GameOracle,
  start: { x0: ArrayLike<number>; y0: ArrayLike<number> },
  options: MinimaxOptions = {},
): AsyncGenerator<EvaluationRecord, MinimaxResult> {
  const setup = prepareGame(f, start, options);
  return streamRun(setup.budget, () => runMinimax(setup));
}

const MINIMAX_KEYS = [
  ...RUN_KEYS.filter((k) => k !== 'targetValue'),
  'min',
  'max',
  'maxPlayerSteps',
  'maxPlayerRule',
  'stepCoupling',
  'acceptance',
  'concurrency',
  'estimation',
  'commonRandomNumbers',
  'onRound',
];

function prepareGame(
  f: GameObjective | GameOracle,
  start: { x0: ArrayLike<number>; y0: ArrayLike<number> },
  options: MinimaxOptions,
) {
  const noisy = typeof f !== 'function';
  if (noisy && (typeof f !== 'object' || f === null || typeof f.sample !== 'function')) {
    throw invalid('f', 'a function (x, y) => number or an oracle { sample(x, y, rng) }', f);
  }
  if (!start || typeof start !== 'object') throw invalid('start', 'an object { x0, y0 }', start);
  checkKeys('options', options, MINIMAX_KEYS);
  checkKeys('options.min', options.min, [...PLAYER_KEYS, 'bounds']);
  checkKeys('options.max', options.max, [...PLAYER_KEYS, 'bounds']);
  const x0 = toVector('x0', start.x0);
  const y0 = toVector('y0', start.y0);
  // Defaults by measurement on the PL games (bench/minimax.bench.ts): the min player polls every
  // direction and takes the best (an opportunistic poll kept taking tiny "successes" along one
  // coordinate while y moved, and never tried the direction Φ falls along); the max player polls
  // two random directions (probabilistic descent), which cut its cost per round from up to 2m
  // evaluations to 2 and the total on every game.
  const minPlayer = resolvePlayer('min.', { polling: 'complete', ...options.min }, x0.length, 1, {
    constant: 2,
    expansion: 1,
    minStep: noisy ? 1e-4 : 1e-8,
  });
  const maxPlayer = resolvePlayer('max.', { pollSet: 'probabilistic', ...options.max }, y0.length, -1, {
    // With noise, a forcing constant far below the estimates' accuracy would accept noise as progress.
    constant: noisy ? 1 : 1e-4,
    expansion: 2,
    minStep: noisy ? 1e-4 : 1e-8,
  });
  checkRun(options);
  const maxPlayerSteps = options.maxPlayerSteps ?? 10;
  const maxPlayerRule = options.maxPlayerRule ?? 'adaptive';
  if (maxPlayerRule !== 'adaptive' && maxPlayerRule !== 'fixed')
    throw invalid('maxPlayerRule', "'adaptive' or 'fixed'", maxPlayerRule);
  checkNumber('maxPlayerSteps', maxPlayerSteps, { min: 1, integer: true });
  const concurrency = options.concurrency ?? 1;
  checkNumber('concurrency', concurrency, { min: 1, integer: true });
  const acceptance = options.acceptance ?? 'phi';
  if (acceptance !== 'phi' && acceptance !== 'f') throw invalid('acceptance', "'phi' or 'f'", acceptance);
  const coupling = options.stepCoupling ?? 'lift-max';
  if (coupling !== 'lift-max' && coupling !== 'none')
    throw invalid('stepCoupling', "'lift-max' or 'none'", coupling);
  const budget = resolveBudget(options, x0.length + y0.length);
  const estimation = noisy
    ? resolveEstimation(options.estimation, Math.min(minPlayer.constant, maxPlayer.constant))
    : undefined;
  return {
    f,
    x0,
    y0,
    minPlayer,
    maxPlayer,
    maxPlayerSteps,
    maxPlayerRule,
    concurrency,
    coupling,
    acceptance,
    budget,
    evaluator: new Evaluator(budget, estimation),
    boundsX: resolveBounds('min.bounds', options.min?.bounds, x0),
    boundsY: resolveBounds('max.bounds', options.max?.bounds, y0),
    crn: options.commonRandomNumbers ?? true,
    root: new Rng(options.seed ?? 0),
    onRound: options.onRound,
  };
}

async function runMinimax(s: ReturnType<typeof prepareGame>): Promise<MinimaxResult> {
  const { f, evaluator, minPlayer, maxPlayer, budget } = s;
  const call = (x: Float64Array, y: Float64Array): Call => {
    const cx = Float64Array.from(x);
    const cy = Float64Array.from(y);
    return typeof f === 'function' ? () => f(cx, cy) : (rng) => f.sample(cx, cy, rng);
  };
  const X = startState(s.x0, minPlayer, Number.NaN);
  const Y = startState(s.y0, maxPlayer, Number.NaN);
  const noiseRoot = s.root.fork('noise');
  const first = await evaluator.evaluate(
    call(X.point, Y.point),
    { x: X.point, y: Y.point },
    { iteration: 0, phase: 'start', stepSize: X.step, rng: noiseRoot.fork('start') },
  );
  X.value = Y.value = first.status === 'ok' ? first.value : Number.NaN;

  let rounds = 0;
  let status: StopReason | undefined;
  /** The min player's last accepted move, until the max player's response says what it did to Φ. */
  /** Points the min player has stood on since its step size last changed. */
  let visited = new Set<string>();
  let visitedStep = Number.NaN;
  const common = (k: number, who: 'min' | 'max', j: number) => ({
    iteration: k,
    player: who,
    evaluator,
    directionRng: s.root.fork(`directions/${k}/${who}/${j}`),
    noiseRng: (key: string) =>
      evaluator.noisy ? noiseRoot.fork(s.crn ? `${k}/${who}/${j}` : `${k}/${who}/${j}/${key}`) : undefined,
    concurrency: s.concurrency,
    search: undefined,
  });
  while (!status) {
    status = evaluator.limitReached(rounds);
    if (status) break;
    if (X.step < minPlayer.minStep && Y.step < maxPlayer.minStep) {
      status = 'min-step';
      break;
    }
    rounds++;
    const k = rounds;
    let outcome: IterationOutcome = 'failure';
    // A failed start point has no value to compare with: NaN never "improves", so treat it as −∞ for the max player.
    if (Number.isNaN(Y.value)) Y.value = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < s.maxPlayerSteps && Y.step >= maxPlayer.minStep; j++) {
      const x = X.point;
      outcome = await iterate(Y, maxPlayer, {
        ...common(k, 'max', j),
        callFor: (q) => ({ call: call(x, q), where: { x, y: q } }),
        bounds: s.boundsY,
      });
      if (outcome === 'stopped') break;
      // The max player has resolved y at the scale the min player moves on: hand over.
      if (s.maxPlayerRule === 'adaptive' && outcome === 'failure' && Y.step < X.step) break;
    }
    if (outcome === 'stopped') {
      status = evaluator.exhausted() ?? 'max-evaluations';
      break;
    }
    // Y.value now estimates Φ(x_k) = max_y f(x_k, y). The min player's last move counts only if Φ
    // fell by the forcing amount: otherwise go back and shrink (see `acceptance`).
    X.value = Y.value;
    if (!Number.isFinite(X.value)) X.value = Number.POSITIVE_INFINITY;
    if (X.step !== visitedStep) {
      visited = new Set();
      visitedStep = X.step;
    }
    visited.add(X.point.join(','));
    const before = { x: X.point, value: X.value };
    const y = Y.point;
    outcome = await iterate(X, minPlayer, {
      ...common(k, 'min', 0),
      callFor: (q) => ({ call: call(q, y), where: { x: q, y } }),
      bounds: s.boundsX,
    });
    if (outcome === 'stopped') {
      status = evaluator.exhausted() ?? 'max-evaluations';
      break;
    }
    // A move back to a point the min player already left at this same step size is no progress in
    // Φ: the max player's response undid it (x alternated between two points forever on robust
    // least squares). It counts as a failure: back, and shrink.
    if (s.acceptance === 'phi' && outcome === 'success' && visited.has(X.point.join(','))) {
      X.point = before.x;
      X.value = before.value;
      X.step = visitedStep * minPlayer.contraction;
      X.lastDirection = undefined;
      outcome = 'failure';
    }
    Y.value = X.value;
    if (s.coupling === 'lift-max' && outcome === 'success')
      Y.step = Math.max(Y.step, Math.min(X.step, maxPlayer.maxStep));
    s.onRound?.({
      round: k,
      x: Float64Array.from(X.point),
      y: Float64Array.from(Y.point),
      value: X.value,
      evaluations: evaluator.evaluations,
      stepSizes: { min: X.step, max: Y.step },
    });
    if (![X.step, Y.step, ...X.point, ...Y.point].every(Number.isFinite)) status = 'diverged';
  }
  if (!Number.isFinite(X.value) && !Number.isFinite(Y.value)) status = 'evaluations-failed';
  const result: MinimaxResult = {
    x: Float64Array.from(X.point),
    y: Float64Array.from(Y.point),
    value: X.value,
    success: isSuccess(status),
    status,
    message: STOP_MESSAGES[status],
    evaluations: evaluator.evaluations,
    iterations: rounds,
    failures: evaluator.failures,
    elapsedMs: evaluator.elapsedMs(),
    stepSizes: { min: X.step, max: Y.step },
  };
  if (budget.keepHistory) result.history = evaluator.history;
  return result;
}
