/**
 * The derivative-free side: minimize a built-in problem or a user's module, solve a min-max game,
 * and the two benchmarks `reproduce` reports (the min-max method against its baselines on the
 * games; Moré–Wild data profiles).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  bestSoFar,
  dataProfile,
  directSearch,
  GAMES,
  gradientDescentAscent,
  MORE_WILD_VARIANTS,
  type MoreWildProblem,
  type MoreWildVariant,
  minimax,
  moreWildObjective,
  moreWildProblems,
  nelderMead,
  POLL_SET_NAMES,
  type PollSetName,
  type RunTrace,
  type SolverResult,
  zerothOrderGDA,
} from '@trainlab/dfo';
import { workerObjective } from '@trainlab/dfo/workers';
import { type RunOptions, runCells } from '@trainlab/runner';
import { Rng } from '@trainlab/tensor';
import { type Context, UsageError } from './context';
import { type CellCounts, storedSweep } from './experiments';
import { type RunStore, type Scope, scopeOf } from './store';
import { VERSIONS } from './versions';

const VEGA_LITE = 'https://vega.github.io/schema/vega-lite/v5.json';

/**
 * The protocol version of each DFO benchmark: bump it when a change alters the rows a cell
 * computes for the same config (a stored cell of another version is then not reused).
 */
export const BENCHMARK_VERSIONS = { games: 1, 'more-wild': 1 } as const;

/** The store scope of a DFO benchmark run: its config and the code that computes it (the solvers of @trainlab/dfo). */
export function benchmarkScope(name: keyof typeof BENCHMARK_VERSIONS, config: unknown): Scope {
  return scopeOf(name, config, {
    version: BENCHMARK_VERSIONS[name],
    owner: `@trainlab/dfo@${VERSIONS['@trainlab/dfo']}`,
  });
}
const norm = (v: Float64Array) => Math.hypot(...v);

// ---------------------------------------------------------------- minimize

/** Finds a Moré–Wild problem by its number (1–53) or its exact name. */
export function findProblem(name: string): MoreWildProblem {
  const problems = moreWildProblems();
  const byId = Number(name);
  const found = Number.isInteger(byId)
    ? problems.find((p) => p.id === byId)
    : problems.find((p) => p.name === name);
  if (!found) {
    throw new UsageError(
      `--problem must be a Moré–Wild problem number from 1 to ${problems.length} or its exact name (e.g. "${problems[0]!.name}"), got ${JSON.stringify(name)}`,
    );
  }
  return found;
}

/** Loads a user objective: a JS/TS module exporting a function (default, or the named `exportName`), and optionally `x0`. */
export async function loadObjective(
  path: string,
  exportName: string | undefined,
): Promise<{ f: (x: Float64Array) => number | Promise<number>; x0?: number[] }> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`--module: no file at ${file}`);
  let mod: Record<string, unknown>;
  try {
    if (/\.[cm]?ts$/.test(file)) {
      // TypeScript objectives load through tsx's loader, scoped to this one import.
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new UsageError(`--module: cannot load ${file}: ${(error as Error).message}`);
  }
  // A CommonJS or transpiled module puts the default export under default.default.
  const def = (mod.default as Record<string, unknown> | undefined)?.default ?? mod.default;
  const f = exportName ? mod[exportName] : typeof def === 'function' ? def : mod.objective;
  if (typeof f !== 'function') {
    throw new UsageError(
      `--module: ${file} must export a function ${exportName ? `named "${exportName}"` : '(default export or "objective")'}; exports: ${
        Object.keys(mod)
          .filter((k) => k !== 'default' || typeof mod.default === 'function')
          .join(', ') || 'none'
      }`,
    );
  }
  const x0 = Array.isArray(mod.x0)
    ? (mod.x0 as number[])
    : Array.isArray((mod.default as Record<string, unknown> | undefined)?.x0)
      ? ((mod.default as Record<string, unknown>).x0 as number[])
      : undefined;
  return x0 ? { f: f as (x: Float64Array) => number, x0 } : { f: f as (x: Float64Array) => number };
}

export interface MinimizeOptions {
  problem?: string;
  module?: string;
  export?: string;
  x0?: string;
  pollSet?: string;
  maxEvals?: string;
  minStep?: string;
  variant?: string;
}

export async function minimizeCommand(ctx: Context, o: MinimizeOptions, seed: number): Promise<void> {
  if ((o.problem === undefined) === (o.module === undefined)) {
    throw new UsageError('give exactly one of --problem <number|name> and --module <file>');
  }
  const pollSet = (o.pollSet ?? 'coordinate') as PollSetName;
  if (!POLL_SET_NAMES.includes(pollSet))
    throw new UsageError(
      `--poll-set must be one of ${POLL_SET_NAMES.join(', ')}, got ${JSON.stringify(o.pollSet)}`,
    );
  const maxEvaluations = positiveInt('--max-evals', o.maxEvals, 10_000);
  const minStep = o.minStep === undefined ? undefined : positiveNumber('--min-step', o.minStep);
  let f: (x: Float64Array) => number | Promise<number>;
  let x0: number[] | undefined;
  let label: string;
  if (o.problem !== undefined) {
    const p = findProblem(o.problem);
    const variant = (o.variant ?? 'smooth') as MoreWildVariant;
    if (!MORE_WILD_VARIANTS.includes(variant))
      throw new UsageError(
        `--variant must be one of ${MORE_WILD_VARIANTS.join(', ')}, got ${JSON.stringify(o.variant)}`,
      );
    f = moreWildObjective(p, variant, new Rng(seed).fork('noise'));
    x0 = Array.from(p.x0);
    label = `${p.name} (${variant})`;
  } else {
    const loaded = await loadObjective(o.module!, o.export);
    f = loaded.f;
    x0 = loaded.x0;
    label = o.module!;
  }
  if (o.x0 !== undefined) x0 = numberList('--x0', o.x0);
  if (!x0) throw new UsageError('--x0 is required when the module does not export x0 (e.g. --x0 0,0)');
  // An expensive user objective can be evaluated on worker threads: the whole poll set of an
  // iteration at once (complete polling), so the iterates are those of a serial complete-polling run.
  const workers = o.module !== undefined ? (ctx.workersRequested ?? 1) : 1;
  const pool =
    workers > 1
      ? workerObjective(resolve(o.module!), {
          workers,
          ...(o.export ? { exportName: o.export } : {}),
          tsImport: import.meta.resolve('tsx/esm/api'),
        })
      : null;
  ctx.heading(
    `direct search (${pollSet}${pool ? `, complete polls on ${workers} worker threads` : ''}) on ${label}, n = ${x0.length}, budget ${maxEvaluations}`,
  );
  try {
    const r = pool
      ? await directSearch(pool.objective, x0, {
          pollSet,
          maxEvaluations,
          ...(minStep === undefined ? {} : { minStep }),
          seed,
          concurrency: workers,
          polling: 'complete',
        })
      : await directSearch(f, x0, {
          pollSet,
          maxEvaluations,
          ...(minStep === undefined ? {} : { minStep }),
          seed,
        });
    report(ctx, r, { label, pollSet, seed, workers });
  } finally {
    await pool?.close();
  }
}

function report(ctx: Context, r: SolverResult, extra: Record<string, unknown>): void {
  ctx.print(`status: ${r.status} — ${r.message}`);
  ctx.print(`f = ${r.value} after ${r.evaluations} evaluations`);
  ctx.print(`x = [${Array.from(r.x, (v) => v.toPrecision(8)).join(', ')}]`);
  ctx.result({ ...extra, status: r.status, value: r.value, x: Array.from(r.x), evaluations: r.evaluations });
}

// ---------------------------------------------------------------- minimax

export interface MinimaxCommandOptions {
  game?: string;
  solver?: string;
  maxEvals?: string;
  noisy?: boolean;
}

/** The min-max methods the CLI runs. */
export const MINIMAX_SOLVERS = ['direct-search', 'zo-gda', 'gda'] as const;

export async function minimaxCommand(ctx: Context, o: MinimaxCommandOptions, seed: number): Promise<void> {
  const name = o.game ?? 'quadratic';
  const make = GAMES[name];
  if (!make)
    throw new UsageError(
      `--game must be one of ${Object.keys(GAMES).join(', ')}, got ${JSON.stringify(name)}`,
    );
  const solver = (o.solver ?? 'direct-search') as (typeof MINIMAX_SOLVERS)[number];
  if (!MINIMAX_SOLVERS.includes(solver))
    throw new UsageError(
      `--solver must be one of ${MINIMAX_SOLVERS.join(', ')}, got ${JSON.stringify(o.solver)}`,
    );
  const maxEvaluations = positiveInt('--max-evals', o.maxEvals, 20_000);
  if (o.noisy && solver !== 'direct-search') {
    throw new UsageError(
      `--noisy needs --solver direct-search (the GDA baselines have no stochastic oracle), got --solver ${solver}`,
    );
  }
  const game = make();
  ctx.heading(`${solver} on ${game.name}: ${game.description}${o.noisy ? ' (noisy oracle)' : ''}`);
  const r = await solveGame(name, solver, maxEvaluations, seed, o.noisy ?? false);
  ctx.print(`status: ${r.status}; ${r.evaluations} evaluations`);
  ctx.print(
    `x = [${Array.from(r.x, (v) => v.toPrecision(6)).join(', ')}], y = [${Array.from(r.y, (v) => v.toPrecision(6)).join(', ')}]`,
  );
  ctx.print(`stationarity ‖∇x f‖ + ‖∇y f‖ = ${r.stationarity.toExponential(3)}`);
  ctx.result({ game: name, solver, ...r, x: Array.from(r.x), y: Array.from(r.y) });
}

interface GameRun {
  status: string;
  evaluations: number;
  x: Float64Array;
  y: Float64Array;
  stationarity: number;
}

async function solveGame(
  name: string,
  solver: (typeof MINIMAX_SOLVERS)[number],
  maxEvaluations: number,
  seed: number,
  noisy: boolean,
): Promise<GameRun> {
  const g = GAMES[name]!();
  const start = { x0: g.x0, y0: g.y0 };
  const f = (x: Float64Array, y: Float64Array) => g.value(x, y);
  const max = g.boundsY ? { bounds: { ...g.boundsY, handling: 'projection' as const } } : {};
  let r: SolverResult & { y: Float64Array };
  if (solver === 'direct-search') {
    const objective = noisy
      ? { sample: (x: Float64Array, y: Float64Array, rng: Rng) => g.sample(x, y, rng) }
      : f;
    r = await minimax(objective as typeof f, start, { maxEvaluations, max, seed });
  } else if (solver === 'zo-gda') r = await zerothOrderGDA(f, start, { maxEvaluations, seed });
  else r = await gradientDescentAscent(g, start, { maxEvaluations });
  const stationarity = norm(g.gradX(r.x, r.y)) + norm(g.gradY(r.x, r.y));
  return { status: r.status, evaluations: r.evaluations, x: r.x, y: r.y, stationarity };
}

export interface GameRow {
  game: string;
  solver: string;
  status: string;
  evaluations: number;
  /** ‖∇x f‖ + ‖∇y f‖ at the end (NaN when the run diverged). */
  stationarity: number;
}

/** The min-max method against zeroth-order GDA (same budget) and GDA with true gradients, on every game. */
export async function gamesBenchmark(
  ctx: Context,
  store: RunStore,
  scope: Scope,
  budget: number,
  seed: number,
): Promise<{ rows: GameRow[]; figure: Record<string, unknown>; counts: CellCounts }> {
  const cells = Object.keys(GAMES).flatMap((game) => MINIMAX_SOLVERS.map((solver) => ({ game, solver })));
  const { rows, counts } = await cellLoop(
    ctx,
    store,
    scope,
    { budget, seed },
    'min-max games',
    cells,
    async ({ game, solver }) => {
      const r = await solveGame(game, solver, budget, seed, false);
      return [
        {
          game,
          solver,
          status: r.status,
          evaluations: r.evaluations,
          stationarity: Number.isFinite(r.stationarity) ? r.stationarity : Number.NaN,
        },
      ];
    },
    (c) => `${c.game} · ${c.solver}`,
  );
  // A diverged run has no stationarity to plot: it is drawn as ✚ on a "diverged" line above the
  // finite values, so the figure says it, not only its caption.
  const finite = rows.map((r) => r.stationarity).filter((v) => Number.isFinite(v) && v < 1e6);
  const ceiling = 10 ** Math.ceil(Math.log10(Math.max(1, ...finite)) + 1);
  const figure = {
    $schema: VEGA_LITE,
    title: {
      text: `Stationarity ‖∇x f‖ + ‖∇y f‖ after ${budget} evaluations (lower is better)`,
      subtitle: 'one column per game; ✚ on the dashed top line: the run diverged (no finite end point)',
    },
    data: {
      values: rows.map((r) => {
        const diverged = !(Number.isFinite(r.stationarity) && r.stationarity < 1e6);
        return {
          ...r,
          outcome: diverged ? 'diverged' : 'finished',
          shown: diverged ? ceiling : Math.max(r.stationarity, 1e-12),
        };
      }),
    },
    width: 780,
    height: 280,
    layer: [
      {
        mark: { type: 'rule', strokeDash: [4, 3], color: '#999' },
        data: { values: [{ y: ceiling }] },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4, dy: -7, color: '#666', fontSize: 11 },
        data: { values: [{ y: ceiling, label: 'diverged' }] },
        encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' }, x: { value: 0 } },
      },
      {
        mark: { type: 'point', filled: true, size: 140, opacity: 0.9 },
        encoding: {
          x: { field: 'game', type: 'nominal', title: null, axis: { labelAngle: 0, labelFontSize: 11 } },
          xOffset: { field: 'solver', type: 'nominal' },
          y: {
            field: 'shown',
            type: 'quantitative',
            scale: { type: 'log' },
            title: 'stationarity',
            axis: {
              format: '.0e',
              labelExpr:
                'abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? format(datum.value, ".0e") : ""',
            },
          },
          color: { field: 'solver', type: 'nominal', title: 'method' },
          shape: {
            field: 'outcome',
            type: 'nominal',
            title: null,
            scale: { domain: ['finished', 'diverged'], range: ['circle', 'cross'] },
          },
        },
      },
    ],
  };
  return { rows, figure, counts };
}

// ---------------------------------------------------------------- Moré–Wild profiles

export const BENCH_SOLVERS: Record<
  string,
  (f: (x: Float64Array) => number, x0: Float64Array, budget: number, seed: number) => Promise<SolverResult>
> = {
  'ds-coordinate': (f, x0, maxEvaluations) => directSearch(f, x0, { maxEvaluations, minStep: 1e-12 }),
  'ds-probabilistic': (f, x0, maxEvaluations, seed) =>
    directSearch(f, x0, { pollSet: 'probabilistic', maxEvaluations, minStep: 1e-12, seed }),
  'ds-random-orthogonal': (f, x0, maxEvaluations, seed) =>
    directSearch(f, x0, { pollSet: 'random-orthogonal', maxEvaluations, minStep: 1e-12, seed }),
  'nelder-mead': (f, x0, maxEvaluations) => nelderMead(f, x0, { maxEvaluations, minStep: 1e-12 }),
};

export interface ProfileConfig {
  solvers: string[];
  variant: MoreWildVariant;
  tau: number;
  /** Budget in simplex gradients: (n + 1)·budget evaluations. */
  budget: number;
  seed: number;
}

export interface TraceRow {
  solver: string;
  problem: string;
  dimension: number;
  initialValue: number;
  bestSoFar: number[];
}

/** Every solver on the 53 Moré–Wild problems (one stored cell per solver and problem), then the data profile. */
export async function moreWildBenchmark(
  ctx: Context,
  store: RunStore,
  scope: Scope,
  config: ProfileConfig,
): Promise<{
  summary: { solver: string; kappa: number; solved: number }[];
  figure: Record<string, unknown>;
  counts: CellCounts;
}> {
  for (const s of config.solvers) {
    if (!BENCH_SOLVERS[s])
      throw new UsageError(
        `--solvers: unknown solver ${JSON.stringify(s)}; known: ${Object.keys(BENCH_SOLVERS).join(', ')}`,
      );
  }
  const problems = moreWildProblems();
  const cells = problems.flatMap((problem) => config.solvers.map((solver) => ({ problem, solver })));
  const { rows, counts } = await cellLoop(
    ctx,
    store,
    scope,
    config,
    'Moré–Wild',
    cells,
    async ({ problem, solver }) => {
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
    (c) => `${c.solver} · ${c.problem.name}`,
  );
  const kappas = Array.from({ length: config.budget + 1 }, (_, k) => k).filter((k) => k <= 10 || k % 5 === 0);
  const traces: RunTrace[] = (rows as TraceRow[]).map((r) => ({
    ...r,
    bestSoFar: r.bestSoFar.map((v) => (v === null ? Number.POSITIVE_INFINITY : v)),
  }));
  const profile = dataProfile(traces, config.tau, kappas);
  const summary = profile.series.flatMap((s) =>
    profile.x.map((kappa, i) => ({ solver: s.solver, kappa, solved: s.y[i]! })),
  );
  const figure = {
    $schema: VEGA_LITE,
    title: {
      text: `Data profiles on the 53 Moré–Wild problems (${config.variant}, τ = ${config.tau})`,
      subtitle: 'share of problems whose best value is within τ of the best any solver found',
    },
    data: { values: summary },
    width: 560,
    height: 280,
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.2 },
    encoding: {
      x: { field: 'kappa', type: 'quantitative', title: profile.xLabel },
      y: {
        field: 'solved',
        type: 'quantitative',
        title: 'share of problems solved',
        scale: { domain: [0, 1] },
      },
      color: { field: 'solver', type: 'nominal' },
    },
  };
  return { summary, figure, counts };
}

/**
 * The DFO sweeps through the same store-backed protocol as the diagnostics runners: finished cells
 * are read back, new ones written at once. Plain JavaScript: no TensorFlow.js is started.
 */
async function cellLoop<C, Row>(
  ctx: Context,
  store: RunStore,
  scope: Scope,
  config: unknown,
  title: string,
  cells: C[],
  run: (cell: C) => Promise<Row[]>,
  keyOf: (cell: C) => string,
): Promise<{ rows: Row[]; counts: CellCounts }> {
  const { result, counts } = await storedSweep(
    ctx,
    store,
    scope,
    config,
    title,
    (options) =>
      runCells(
        title,
        cells.map((c) => ({ key: keyOf(c), run: () => run(c) })),
        options as RunOptions<Row>,
      ),
    'js',
  );
  return { rows: result.rows, counts };
}

// ---------------------------------------------------------------- flag helpers

export function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1)
    throw new UsageError(`${flag} must be an integer ≥ 1, got ${JSON.stringify(text)}`);
  return v;
}

export function positiveNumber(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0)
    throw new UsageError(`${flag} must be a number > 0, got ${JSON.stringify(text)}`);
  return v;
}

export function numberList(flag: string, text: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new UsageError(`${flag} must be a comma-separated list of numbers, got ${JSON.stringify(text)}`);
  }
  return values;
}
