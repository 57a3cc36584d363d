/**
 * Directional direct search for minimization (Kolda, Lewis & Torczon 2003; Conn, Scheinberg &
 * Vicente 2009, ch. 7), deterministic or with noisy oracles compared through probabilistically
 * accurate estimates (Dzahini 2020; Anagnostidis, Lucchi & Diouane 2021).
 */
import { Rng } from '@trainlab/random';
import { type Budget, type Call, Evaluator, resolveBudget } from './_evaluator';
import { ModelSearch, type ModelSearchOptions, PointCache } from './_modelSearch';
import {
  type Bounds,
  iterate,
  type PlayerOptions,
  type ResolvedPlayer,
  resolveBounds,
  resolvePlayer,
  type SearchStep,
  startState,
} from './_player';
import { streamRun } from './_stream';
import { checkKeys, checkNumber, invalid, PLAYER_KEYS, RUN_KEYS, toVector } from './errors';
import { type Estimation, resolveEstimation } from './estimation';
import {
  type EvaluationRecord,
  isSuccess,
  type Objective,
  type Oracle,
  type RunOptions,
  type SolverResult,
  STOP_MESSAGES,
  type StopReason,
} from './types';

export interface DirectSearchOptions extends PlayerOptions, RunOptions {
  /** Box bounds, by extreme barrier or projection. */
  bounds?: Bounds;
  /**
   * The search step tried before each poll: `'model'`, the minimizer of a quadratic model of the
   * cached evaluations near x in a ball of radius ~α (deterministic objectives; also orders the
   * poll by the model's slope, and makes the default poll set `'probabilistic'`); `'none'`; or your
   * own heuristic.
   * @defaultValue 'model' for a deterministic objective, 'none' for a noisy oracle
   */
  search?: SearchStep | 'model' | 'none';
  /** Options of the `'model'` search step. */
  model?: ModelSearchOptions;
  /**
   * The typical size of each variable: steps are taken in units of it (x = scale ⊙ z; α, the poll
   * directions, `initialStep`, `minStep` and `maxStep` are in z), so variables of very different
   * sizes move at their own scale. `'auto'`: |x0_i|, or the median of the nonzero |x0_j| where
   * x0_i = 0 (1 if all are), capped by the width of a finite box; `'none'`: 1 for every variable.
   * @defaultValue 'auto'
   */
  scale?: ArrayLike<number> | 'auto' | 'none';
  /** Poll points evaluated at once (for async objectives: worker pools, remote black boxes). @defaultValue 1 */
  concurrency?: number;
  /** For a noisy oracle: how estimates are made. @defaultValue adaptive (see `Estimation`) */
  estimation?: Estimation;
  /** For a noisy oracle: the points compared in one iteration share their random numbers. @defaultValue true */
  commonRandomNumbers?: boolean;
  /** Called after every iteration with its outcome and the step size for the next one (progress). */
  onIteration?: (info: IterationInfo) => void;
}

/** What `onIteration` receives. */
export interface IterationInfo {
  iteration: number;
  success: boolean;
  /**
   * Which step a successful iteration accepted: `'poll'` (α ← γα) or `'search'` (α ← the length of
   * the step taken, clamped to [α, γα]).
   */
  acceptedBy?: 'search' | 'poll';
  /** The current point and value after the iteration (a copy). */
  x: Float64Array;
  value: number;
  /** α before and after the update. */
  stepBefore: number;
  stepAfter: number;
  evaluations: number;
}

export interface DirectSearchResult extends SolverResult {
  /** The step size when the run stopped. */
  stepSize: number;
}

/**
 * Minimizes a black box by direct search: poll x + α·d for the directions d of a poll set,
 * accept a point with f(x + αd) < f(x) − c·α^p, then expand α (× γ) or contract it (× θ).
 *
 * `f` is a function (deterministic, sync or async) or an `Oracle` whose `sample(x, rng)` returns
 * one noisy value; estimates of an oracle average more samples as α shrinks.
 *
 * @example
 * ```ts
 * const r = await directSearch((x) => (x[0] - 1) ** 2 + (x[1] + 2) ** 2, [0, 0]);
 * r.x; // ≈ [1, -2]; r.status === 'min-step'
 * ```
 * @throws {DfoError} for bad inputs, before any evaluation. Limits reached are results, not errors.
 */
export async function directSearch(
  f: Objective | Oracle,
  x0: ArrayLike<number>,
  options: DirectSearchOptions = {},
): Promise<DirectSearchResult> {
  const setup = prepare(f, x0, options);
  return runDirectSearch(setup);
}

/**
 * The same run as `directSearch`, as an async iterator of every evaluation; the iterator's
 * return value (`done: true`) is the result.
 *
 * @example
 * ```ts
 * for await (const record of iterateDirectSearch(f, x0)) console.log(record.evaluations, record.value);
 * ```
 */
export function iterateDirectSearch(
  f: Objective | Oracle,
  x0: ArrayLike<number>,
  options: DirectSearchOptions = {},
): AsyncGenerator<EvaluationRecord, DirectSearchResult> {
  const setup = prepare(f, x0, options); // validate now, before the first next()
  return streamRun(setup.budget, () => runDirectSearch(setup));
}

const DIRECT_SEARCH_KEYS = [
  ...RUN_KEYS,
  ...PLAYER_KEYS,
  'bounds',
  'search',
  'model',
  'scale',
  'concurrency',
  'estimation',
  'commonRandomNumbers',
  'onIteration',
];

interface Setup {
  f: Objective | Oracle;
  /** The start point in z = x / scale. */
  x0: Float64Array;
  /** x = scale ⊙ z. */
  scale: Float64Array;
  player: ResolvedPlayer;
  budget: Budget;
  evaluator: Evaluator;
  options: DirectSearchOptions;
  /** The bounds in z. */
  bounds: ReturnType<typeof resolveBounds>;
  concurrency: number;
  crn: boolean;
  root: Rng;
  /** Deterministic objectives: every evaluated point, and the model search built on them. */
  cache: PointCache | undefined;
  model: ModelSearch | undefined;
  /** A user search step, in z. */
  search: SearchStep | undefined;
}

function prepare(f: Objective | Oracle, x0In: ArrayLike<number>, options: DirectSearchOptions): Setup {
  const noisy = typeof f !== 'function';
  if (noisy && (typeof f !== 'object' || f === null || typeof f.sample !== 'function')) {
    throw invalid('f', 'a function (x) => number or an oracle { sample(x, rng) }', f);
  }
  checkKeys('options', options, DIRECT_SEARCH_KEYS);
  const x = toVector('x0', x0In);
  const search = options.search ?? (noisy ? 'none' : 'model');
  // With the model search the poll is a safeguard and a source of points for the models: random
  // directions (probabilistic descent) give better-poised points than a fixed lattice, and cost 2
  // evaluations instead of up to 2n when the model step already failed (measured on Moré–Wild).
  // With bounds the coordinate directions stay the default: they conform to the box's faces, which
  // the convergence theory of bound-constrained direct search needs (Lewis & Torczon 1999).
  const pollSet = options.pollSet ?? (search === 'model' && !options.bounds ? 'probabilistic' : 'coordinate');
  const player = resolvePlayer('', { ...options, pollSet }, x.length, 1, {
    constant: noisy ? 1 : 1e-4,
    expansion: 2,
    minStep: noisy ? 1e-4 : 1e-8,
  });
  checkRun(options);
  const concurrency = options.concurrency ?? 1;
  checkNumber('concurrency', concurrency, { min: 1, integer: true });
  const budget = resolveBudget(options, x.length);
  const estimation = noisy ? resolveEstimation(options.estimation, player.constant) : undefined;
  const boundsX = resolveBounds('bounds', options.bounds, x);
  const scale = resolveScale(options.scale, x, boundsX);
  const toZ = (v: ArrayLike<number>) => Float64Array.from(v, (xi, i) => xi / scale[i]!);
  const toX = (z: ArrayLike<number>) => Float64Array.from(z, (zi, i) => zi * scale[i]!);
  const bounds = boundsX && { ...boundsX, lower: toZ(boundsX.lower), upper: toZ(boundsX.upper) };
  if (search === 'model' && noisy)
    throw invalid(
      'search',
      "'none' or your own search step for a noisy oracle (the model search needs exact values)",
      search,
    );
  if (typeof search !== 'function' && search !== 'model' && search !== 'none')
    throw invalid('search', "'model', 'none' or a function", search);
  if (options.model?.radius !== undefined)
    checkNumber('model.radius', options.model.radius, { min: 0, minOpen: true });
  if (options.model?.tries !== undefined)
    checkNumber('model.tries', options.model.tries, { min: 1, integer: true });
  if (options.model?.maxDimension !== undefined)
    checkNumber('model.maxDimension', options.model.maxDimension, { min: 1, integer: true, infinity: true });
  const cache = noisy ? undefined : new PointCache();
  const user: SearchStep | undefined =
    typeof search === 'function'
      ? async (c) => (await search({ ...c, x: toX(c.x) })).map((q) => toZ(q))
      : undefined;
  return {
    f,
    x0: toZ(x),
    scale,
    player,
    budget,
    evaluator: new Evaluator(budget, estimation),
    options,
    bounds,
    concurrency,
    crn: options.commonRandomNumbers ?? true,
    root: new Rng(options.seed ?? 0),
    cache,
    model: cache && search === 'model' ? new ModelSearch(cache, options.model) : undefined,
    search: user,
  };
}

/** The typical size of each variable (see `DirectSearchOptions.scale`). */
export function resolveScale(
  option: DirectSearchOptions['scale'],
  x0: Float64Array,
  bounds: { lower: Float64Array; upper: Float64Array } | undefined,
): Float64Array {
  const n = x0.length;
  if (option === 'none') return new Float64Array(n).fill(1);
  if (option === undefined || option === 'auto') {
    const sizes = Array.from(x0, Math.abs)
      .filter((v) => v > 0 && Number.isFinite(v))
      .sort((a, b) => a - b);
    const typical = sizes.length > 0 ? sizes[Math.floor(sizes.length / 2)]! : 1;
    return Float64Array.from(x0, (v, i) => {
      const size = Math.abs(v) > 0 ? Math.abs(v) : typical;
      const width = bounds ? bounds.upper[i]! - bounds.lower[i]! : Number.POSITIVE_INFINITY;
      return width > 0 && Number.isFinite(width) ? Math.min(size, width) : size;
    });
  }
  if (typeof option === 'string')
    throw invalid('scale', "'auto', 'none' or an array of positive numbers", option);
  const s = toVector('scale', option);
  if (s.length !== n) throw invalid('scale', `an array of length ${n}`, `length ${s.length}`);
  const bad = s.findIndex((v) => !(v > 0 && Number.isFinite(v)));
  if (bad >= 0) throw invalid(`scale[${bad}]`, 'a positive finite number', s[bad]);
  return s;
}

/** Checks the budget options every solver shares. */
export function checkRun(o: RunOptions): void {
  if (o.maxEvaluations !== undefined)
    checkNumber('maxEvaluations', o.maxEvaluations, { min: 1, integer: true, infinity: true });
  if (o.maxIterations !== undefined)
    checkNumber('maxIterations', o.maxIterations, { min: 1, integer: true, infinity: true });
  if (o.maxTimeMs !== undefined)
    checkNumber('maxTimeMs', o.maxTimeMs, { min: 0, minOpen: true, infinity: true });
  if (o.evaluationTimeoutMs !== undefined) {
    checkNumber('evaluationTimeoutMs', o.evaluationTimeoutMs, { min: 0, minOpen: true, infinity: true });
  }
  if (o.targetValue !== undefined && Number.isNaN(o.targetValue))
    throw invalid('targetValue', 'a number', o.targetValue);
  if (o.seed !== undefined && !(typeof o.seed === 'string' || Number.isSafeInteger(o.seed))) {
    throw invalid('seed', 'a safe integer or a string', o.seed);
  }
  const signal = o.signal as unknown;
  if (
    signal !== undefined &&
    !(
      signal !== null &&
      typeof signal === 'object' &&
      typeof (signal as AbortSignal).aborted === 'boolean' &&
      typeof (signal as AbortSignal).addEventListener === 'function'
    )
  ) {
    throw invalid(
      'signal',
      'an AbortSignal (e.g. AbortSignal.timeout(ms) or an AbortController’s signal)',
      signal,
    );
  }
  for (const hook of ['onEvaluation', 'onIteration', 'onRound'] as const) {
    const value = (o as Record<string, unknown>)[hook];
    if (value !== undefined && typeof value !== 'function') throw invalid(hook, 'a function', value);
  }
}

async function runDirectSearch(s: Setup): Promise<DirectSearchResult> {
  const { f, evaluator, player, budget, cache, model } = s;
  const toX = (z: ArrayLike<number>) => Float64Array.from(z, (zi, i) => zi * s.scale[i]!);
  const callFor = (q: Float64Array): { call: Call; where: { x: Float64Array } } => {
    const x = toX(q); // a copy: nothing the objective does to its argument reaches the solver
    const z = Float64Array.from(q);
    const call: Call =
      typeof f === 'function'
        ? async () => {
            const ticket = cache?.ticket() ?? 0;
            const v = await f(Float64Array.from(x));
            cache?.set(z, v, ticket);
            return v;
          }
        : (rng) => f.sample(Float64Array.from(x), rng);
    return { call, where: { x } };
  };
  const search: SearchStep | undefined = model
    ? async (c) => [...model.propose(c.x, c.value, c.stepSize), ...((await s.search?.(c)) ?? [])]
    : s.search;
  const state = startState(s.x0, player, Number.POSITIVE_INFINITY);
  const noiseRoot = s.root.fork('noise');
  const start = callFor(s.x0);
  const first = await evaluator.evaluate(start.call, start.where, {
    iteration: 0,
    phase: 'start',
    stepSize: state.step,
    rng: noiseRoot.fork('start'),
  });
  state.value = first.value;

  const target = s.options.targetValue ?? Number.NEGATIVE_INFINITY;
  let iterations = 0;
  let status: StopReason | undefined = first.status === 'ok' && first.value <= target ? 'target' : undefined;
  while (!status) {
    status = evaluator.limitReached(iterations);
    if (status) break;
    if (state.step < player.minStep) {
      status = 'min-step';
      break;
    }
    iterations++;
    const k = iterations;
    const stepBefore = state.step;
    const outcome = await iterate(state, player, {
      iteration: k,
      evaluator,
      callFor,
      directionRng: s.root.fork(`directions/${k}`),
      noiseRng: (key) => (evaluator.noisy ? noiseRoot.fork(s.crn ? `${k}` : `${k}/${key}`) : undefined),
      concurrency: s.concurrency,
      bounds: s.bounds,
      search,
      ...(cache ? { lookup: (q: Float64Array) => cache.get(q) } : {}),
      ...(model
        ? {
            order: (d: Float64Array[], c: Float64Array) => model.order(d, c),
            searchTries: model.tries,
          }
        : {}),
    });
    if (outcome === 'stopped') {
      status = evaluator.exhausted() ?? 'max-evaluations';
      break;
    }
    s.options.onIteration?.({
      iteration: k,
      success: outcome === 'success',
      ...(outcome === 'success' && state.acceptedBy ? { acceptedBy: state.acceptedBy } : {}),
      x: toX(state.point),
      value: state.value,
      stepBefore,
      stepAfter: state.step,
      evaluations: evaluator.evaluations,
    });
    if (state.value <= target) status = 'target';
    // f returned −∞ (unbounded below), or the step overflowed (it doubled without bound), or the
    // point left the floats.
    else if (evaluator.minusInfinity || !Number.isFinite(state.step) || !state.point.every(Number.isFinite))
      status = 'diverged';
  }
  // No point ever had a finite value: there is no result, whatever stopped the run.
  if (!Number.isFinite(state.value)) status = 'evaluations-failed';
  const result: DirectSearchResult = {
    x: toX(state.point),
    value: state.value,
    success: isSuccess(status),
    status,
    message: STOP_MESSAGES[status],
    evaluations: evaluator.evaluations,
    iterations,
    failures: evaluator.failures,
    elapsedMs: evaluator.elapsedMs(),
    stepSize: state.step,
  };
  if (budget.keepHistory) result.history = evaluator.history;
  return result;
}
