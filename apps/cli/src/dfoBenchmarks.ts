/**
 * The derivative-free benchmarks `reproduce` and `dfo bench` report, run through the run store
 * (finished cells read back, new ones written at once, no TensorFlow.js started): their cells come
 * from `@trainlab/dfo`, where each benchmark is defined once; this file adds the store and the figures.
 */
import {
  BENCH_SOLVERS,
  BENCHMARK_VERSIONS,
  type BenchmarkCell,
  type GameRow,
  gamesBenchmarkCells,
  moreWildBenchmarkCells,
  moreWildProfile,
  type ProfileConfig,
  type TraceRow,
} from '@trainlab/dfo';
import { type RunOptions, runCells } from '@trainlab/runner';
import { type Context, UsageError } from './context';
import { type CellCounts, storedSweep } from './experiments';
import { type RunStore, type Scope, scopeOf } from './store';
import { VERSIONS } from './versions';

const VEGA_LITE = 'https://vega.github.io/schema/vega-lite/v5.json';

/** The store scope of a DFO benchmark run: its config and the code that computes it (the solvers of @trainlab/dfo). */
export function benchmarkScope(name: keyof typeof BENCHMARK_VERSIONS, config: unknown): Scope {
  return scopeOf(name, config, {
    version: BENCHMARK_VERSIONS[name],
    owner: `@trainlab/dfo@${VERSIONS['@trainlab/dfo']}`,
  });
}

/** Runs a benchmark's cells through the store. */
async function storedCells<Row>(
  ctx: Context,
  store: RunStore,
  scope: Scope,
  config: unknown,
  title: string,
  cells: BenchmarkCell<Row>[],
): Promise<{ rows: Row[]; counts: CellCounts }> {
  const { result, counts } = await storedSweep(
    ctx,
    store,
    scope,
    config,
    title,
    (options) => runCells(title, cells, options as RunOptions<Row>),
    'js',
  );
  return { rows: result.rows, counts };
}

/** The min-max method against zeroth-order GDA (same budget) and GDA with true gradients, on every game. */
export async function gamesBenchmark(
  ctx: Context,
  store: RunStore,
  scope: Scope,
  budget: number,
  seed: number,
): Promise<{ rows: GameRow[]; figure: Record<string, unknown>; counts: CellCounts }> {
  const config = { budget, seed };
  const { rows, counts } = await storedCells(
    ctx,
    store,
    scope,
    config,
    'min-max games',
    gamesBenchmarkCells(config),
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
  const { rows, counts } = await storedCells(
    ctx,
    store,
    scope,
    config,
    'Moré–Wild',
    moreWildBenchmarkCells(config),
  );
  const { summary, xLabel } = moreWildProfile(rows as TraceRow[], config);
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
      x: { field: 'kappa', type: 'quantitative', title: xLabel },
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
