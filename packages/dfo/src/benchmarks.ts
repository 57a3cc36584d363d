/**
 * The derivative-free benchmarks trainlab reports, defined once for every front end (the CLI, its
 * report, the documentation's demos): one dispatch over the min-max methods, the games benchmark
 * (each method on each game) and the Moré–Wild benchmark (each solver on each problem, traced for
 * data profiles), as cells a sweep runner schedules, stores and resumes.
 */
import { Rng } from '@trainlab/random';
import { gradientDescentAscent, zerothOrderGDA } from './baselines/gda';
import { nelderMead } from './baselines/nelderMead';
import { directSearch } from './directSearch';
import { type MinimaxResult, minimax, type RoundInfo } from './minimax';
import { GAMES, type Game } from './problems/games';
import {
  type MoreWildProblem,
  type MoreWildVariant,
  moreWildObjective,
  moreWildProblems,
} from './problems/moreWild';
import { bestSoFar, dataProfile, type RunTrace } from './profiles';
import type { SolverResult } from './types';

/** One unit of work of a benchmark: a key and the function that computes its rows. */
export interface BenchmarkCell<Row> {
  key: string;
  run: () => Promise<Row[]>;
}

// ---------------------------------------------------------------- min-max methods

/** The min-max methods compared: the paper's direct search, zeroth-order GDA, GDA with true gradients. */
export const MINIMAX_METHODS = ['direct-search', 'zo-gda', 'gda'] as const;
/** One of {@link MINIMAX_METHODS}. */
export type MinimaxMethod = (typeof MINIMAX_METHODS)[number];

/** How {@link solveGame} runs a method. */
export interface SolveGameOptions {
  maxEvaluations: number;
  /** @defaultValue 0 */
  seed?: number;
  /** Direct search and ZO-GDA see the stochastic oracle F(x, y, ξ); GDA always uses true gradients. @defaultValue false */
  noisy?: boolean;
  /** Start point. @defaultValue the game's x0, y0 */
  start?: { x0: ArrayLike<number>; y0: ArrayLike<number> };
  /** Learning rates of the GDA baselines. @defaultValue theirs */
  learningRate?: { x: number; y: number };
  /** Called after every round with both players' points. */
  onRound?: (info: RoundInfo) => void;
}

/**
 * Runs one min-max method on a game. The max player of a game with box bounds is kept inside them
 * by projection (direct search).
 */
export function solveGame(
  game: Game,
  method: MinimaxMethod,
  options: SolveGameOptions,
): Promise<MinimaxResult> {
  const start = options.start ?? { x0: game.x0, y0: game.y0 };
  const value = (x: Float64Array, y: Float64Array) => game.value(x, y);
  const objective = options.noisy
    ? { sample: (x: Float64Array, y: Float64Array, rng: Rng) => game.sample(x, y, rng) }
    : value;
  const common = {
    maxEvaluations: options.maxEvaluations,
    ...(options.onRound ? { onRound: options.onRound } : {}),
    ...(options.learningRate ? { learningRate: options.learningRate } : {}),
  };
  if (method === 'direct-search') {
    const max = game.boundsY ? { bounds: { ...game.boundsY, handling: 'projection' as const } } : {};
    const { learningRate: _, ...ds } = common as typeof common & { learningRate?: unknown };
    return minimax(objective as typeof value, start, { ...ds, max, seed: options.seed ?? 0 });
  }
  if (method === 'zo-gda')
    return zerothOrderGDA(objective as typeof value, start, { ...common, seed: options.seed ?? 0 });
  return gradientDescentAscent(game, start, common);
}

/** One row of the games benchmark. */
export interface GameRow {
  game: string;
  solver: MinimaxMethod;
  status: string;
  evaluations: number;
  /** ‖∇x f‖ + ‖∇y f‖ at the end (NaN when the run diverged). */
  stationarity: number;
}

const norm = (v: Float64Array) => Math.hypot(...v);

/** ‖∇x f‖ + ‖∇y f‖ at a point. */
export function gameStationarity(game: Game, x: Float64Array, y: Float64Array): number {
  return norm(game.gradX(x, y)) + norm(game.gradY(x, y));
}

/** The games benchmark: every min-max method on every game, `budget` evaluations each, as cells. */
export function gamesBenchmarkCells(config: { budget: number; seed: number }): BenchmarkCell<GameRow>[] {
  return Object.keys(GAMES).flatMap((name) =>
    MINIMAX_METHODS.map((solver) => ({
      key: `${name} · ${solver}`,
      run: async (): Promise<GameRow[]> => {
        const game = GAMES[name]!();
        const r = await solveGame(game, solver, { maxEvaluations: config.budget, seed: config.seed });
        const stationarity = gameStationarity(game, r.x, r.y);
        return [
          {
            game: name,
            solver,
            status: r.status,
            evaluations: r.evaluations,
            stationarity: Number.isFinite(stationarity) ? stationarity : Number.NaN,
          },
        ];
      },
    })),
  );
}

// ---------------------------------------------------------------- Moré–Wild data profiles

/** Direct search without the model search step or scaling: the poll alone. */
const POLL_ONLY = { search: 'none', scale: 'none' } as const;

/** The solvers the Moré–Wild benchmark compares, by name. */
export const BENCH_SOLVERS: Record<
  string,
  (f: (x: Float64Array) => number, x0: Float64Array, budget: number, seed: number) => Promise<SolverResult>
> = {
  // The default: quadratic-model search, probabilistic poll, variables scaled from x0.
  'direct-search': (f, x0, maxEvaluations, seed) =>
    directSearch(f, x0, { maxEvaluations, minStep: 1e-12, seed }),
  // The polls alone (unit steps, no search, no scaling): the methods the papers analyse.
  'ds-coordinate': (f, x0, maxEvaluations) =>
    directSearch(f, x0, { maxEvaluations, minStep: 1e-12, ...POLL_ONLY, pollSet: 'coordinate' }),
  'ds-probabilistic': (f, x0, maxEvaluations, seed) =>
    directSearch(f, x0, { maxEvaluations, minStep: 1e-12, ...POLL_ONLY, pollSet: 'probabilistic', seed }),
  'ds-random-orthogonal': (f, x0, maxEvaluations, seed) =>
    directSearch(f, x0, { maxEvaluations, minStep: 1e-12, ...POLL_ONLY, pollSet: 'random-orthogonal', seed }),
  'nelder-mead': (f, x0, maxEvaluations) => nelderMead(f, x0, { maxEvaluations, minStep: 1e-12 }),
};

/** What the Moré–Wild benchmark runs. */
export interface ProfileConfig {
  solvers: string[];
  variant: MoreWildVariant;
  /** Accuracy τ of the data profile. */
  tau: number;
  /** Budget in simplex gradients: (n + 1)·budget evaluations per problem. */
  budget: number;
  seed: number;
}

/** One cell of the Moré–Wild benchmark: a solver's best-so-far values on one problem. */
export interface TraceRow {
  solver: string;
  problem: string;
  dimension: number;
  initialValue: number;
  bestSoFar: number[];
}

/** Every solver on the 53 Moré–Wild problems, one cell per solver and problem. Unknown solvers are the caller's to refuse. */
export function moreWildBenchmarkCells(config: ProfileConfig): BenchmarkCell<TraceRow>[] {
  return moreWildProblems().flatMap((problem: MoreWildProblem) =>
    config.solvers.map((solver) => ({
      key: `${solver} · ${problem.name}`,
      run: async (): Promise<TraceRow[]> => {
        const f = moreWildObjective(problem, config.variant, new Rng(config.seed).fork(problem.name));
        const values: number[] = [];
        const traced = (x: Float64Array) => {
          const v = f(x);
          values.push(Number.isFinite(v) ? v : Number.POSITIVE_INFINITY);
          return v;
        };
        await BENCH_SOLVERS[solver]!(traced, problem.x0, config.budget * (problem.n + 1), config.seed);
        return [
          {
            solver,
            problem: problem.name,
            dimension: problem.n,
            initialValue: problem.f(problem.x0),
            bestSoFar: Array.from(bestSoFar(values)),
          },
        ];
      },
    })),
  );
}

/** The data profile of the benchmark's traces: the share of problems each solver solved within κ simplex gradients. */
export function moreWildProfile(
  rows: readonly TraceRow[],
  config: Pick<ProfileConfig, 'tau' | 'budget'>,
): { summary: { solver: string; kappa: number; solved: number }[]; xLabel: string } {
  const kappas = Array.from({ length: config.budget + 1 }, (_, k) => k).filter((k) => k <= 10 || k % 5 === 0);
  // A stored trace went through JSON, where +Infinity became null.
  const traces: RunTrace[] = rows.map((r) => ({
    ...r,
    bestSoFar: r.bestSoFar.map((v) => (v === null ? Number.POSITIVE_INFINITY : v)),
  }));
  const profile = dataProfile(traces, config.tau, kappas);
  const summary = profile.series.flatMap((s) =>
    profile.x.map((kappa, i) => ({ solver: s.solver, kappa, solved: s.y[i]! })),
  );
  return { summary, xLabel: profile.xLabel };
}
