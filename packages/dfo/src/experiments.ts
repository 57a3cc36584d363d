/**
 * The derivative-free benchmarks as experiment definitions (see `@trainlab/runner`): the games
 * benchmark (each min-max method on each game) and the Moré–Wild data profiles, each with its
 * config schema, cells, summary, figure and the claim of the paper it checks. The CLI, its report
 * and the docs iterate {@link BENCHMARKS}; none defines a benchmark itself.
 */
import { type ExperimentDefinition, fixed, int, nonEmpty, oneOf, sci, seedField } from '@trainlab/runner';
import { z } from 'zod';
import {
  BENCH_SOLVERS,
  type GameRow,
  gamesBenchmarkCells,
  moreWildBenchmarkCells,
  moreWildProfile,
  type TraceRow,
} from './benchmarks';
import { MORE_WILD_VARIANTS, type MoreWildVariant } from './problems/moreWild';
import { DATA_PROFILE_X_LABEL } from './profiles';

const VEGA_LITE = 'https://vega.github.io/schema/vega-lite/v5.json';

// ---------------------------------------------------------------- games

const gamesSchema = z.strictObject({
  budget: int(10, 100_000_000).default(20_000).describe('evaluations of f per method and game'),
  seed: seedField(),
});

/** The games benchmark: every min-max method on every game with the same budget. */
export const gamesDefinition: ExperimentDefinition<typeof gamesSchema, GameRow, GameRow> = {
  // 2: the min-max defaults changed (revisit rule, complete min polls, probabilistic max polls).
  id: 'games',
  version: 2,
  owner: '@trainlab/dfo',
  engine: 'js',
  title: 'the min-max direct-search method against zeroth-order and true-gradient GDA on every game',
  example: '--budget 5000',
  schema: gamesSchema,
  cells: (c) => gamesBenchmarkCells(c),
  // One row per method and game: the rows are the summary.
  summarize: (rows) => rows,
  figure: (rows, c) => gamesFigure(rows, c.budget),
  reproduce: {
    paper: 'direct search',
    config: ({ quick, seed }) => ({ budget: quick ? 5000 : 20_000, seed }),
    finding: ({ rows, config }) => {
      const of = (game: string, solver: string) =>
        rows.find((r) => r.game === game && r.solver === solver)!.stationarity;
      const games = [...new Set(rows.map((r) => r.game))];
      // NaN (diverged) counts as worse.
      const better = games.filter((g) => !(of(g, 'zo-gda') < of(g, 'direct-search')));
      const ds = games.map((g) => of(g, 'direct-search'));
      return {
        title: `The min-max direct-search method against zeroth-order and true-gradient GDA (${config.budget} evaluations)`,
        reading:
          `Direct search ends at least as stationary as zeroth-order GDA on ${better.length} of ${games.length} games (${better.join(', ')}); ` +
          `its stationarity ranges from ${sci(Math.min(...ds))} to ${sci(Math.max(...ds))} (robust-polynomial's max player is box-constrained, so ‖∇y f‖ need not vanish there), and it never diverges where the GDA baselines do.`,
        claim:
          'Derivative-free direct search solves min-max games whose max player satisfies the PL condition, competitively with zeroth-order gradient methods.',
        agrees: better.length * 2 > games.length && ds.every((v) => Number.isFinite(v)),
      };
    },
  },
};

/**
 * Stationarity per game and method on a log axis. A diverged run has no stationarity to plot: it is
 * drawn as ✚ on a "diverged" line above the finite values, so the figure says it, not only its caption.
 */
function gamesFigure(rows: readonly GameRow[], budget: number): Record<string, unknown> {
  const finite = rows.map((r) => r.stationarity).filter((v) => Number.isFinite(v) && v < 1e6);
  const ceiling = 10 ** Math.ceil(Math.log10(Math.max(1, ...finite)) + 1);
  return {
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
}

// ---------------------------------------------------------------- Moré–Wild data profiles

const SOLVER_NAMES = Object.keys(BENCH_SOLVERS) as [string, ...string[]];

const moreWildSchema = z.strictObject({
  solvers: nonEmpty(oneOf(SOLVER_NAMES))
    .default(['direct-search', 'ds-coordinate', 'ds-probabilistic', 'nelder-mead'])
    .describe('the solvers to compare'),
  variant: oneOf(MORE_WILD_VARIANTS as [MoreWildVariant, ...MoreWildVariant[]])
    .default('smooth')
    .describe("the problems' variant"),
  tau: z
    .number({ error: 'must be a number in (0, 1)' })
    .gt(0, { error: 'must be a number in (0, 1)' })
    .lt(1, { error: 'must be a number in (0, 1)' })
    .default(1e-3)
    .describe('accuracy τ of the data profile'),
  budget: int(1, 100_000)
    .default(100)
    .describe('evaluations per problem, in units of n + 1 (simplex gradients)'),
  seed: seedField(),
});

/** One point of a data profile: the share of problems a solver solved within κ simplex gradients. */
export interface ProfilePoint {
  solver: string;
  kappa: number;
  solved: number;
}

/** The Moré–Wild benchmark: each solver on the 53 problems, traced, then the data profile. */
export const moreWildDefinition: ExperimentDefinition<typeof moreWildSchema, TraceRow, ProfilePoint> = {
  // 2: direct search's default has a model search step; the ds-* solvers are the polls alone.
  id: 'more-wild',
  version: 2,
  owner: '@trainlab/dfo',
  engine: 'js',
  title: 'Moré–Wild data profiles for chosen solvers',
  example: '--solvers ds-probabilistic,nelder-mead --variant noisy',
  schema: moreWildSchema,
  cells: (c) => moreWildBenchmarkCells(c),
  summarize: (rows, c) => moreWildProfile(rows, c).summary,
  figure: (summary, c) => ({
    $schema: VEGA_LITE,
    title: {
      text: `Data profiles on the 53 Moré–Wild problems (${c.variant}, τ = ${c.tau})`,
      subtitle: 'share of problems whose best value is within τ of the best any solver found',
    },
    data: { values: summary },
    width: 560,
    height: 280,
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.2 },
    encoding: {
      x: { field: 'kappa', type: 'quantitative', title: DATA_PROFILE_X_LABEL },
      y: {
        field: 'solved',
        type: 'quantitative',
        title: 'share of problems solved',
        scale: { domain: [0, 1] },
      },
      color: { field: 'solver', type: 'nominal' },
    },
  }),
  digest: (summary, c) =>
    c.solvers.map((solver) => ({
      solver,
      solved: summary.filter((r) => r.solver === solver).at(-1)!.solved,
    })),
  reproduce: {
    paper: 'direct search',
    config: ({ quick, seed }) => ({
      solvers: ['direct-search', 'ds-coordinate', 'ds-probabilistic', 'nelder-mead'],
      variant: 'smooth',
      tau: 1e-3,
      budget: quick ? 50 : 100,
      seed,
    }),
    finding: ({ summary, config }) => {
      const final = (solver: string) => summary.filter((r) => r.solver === solver).at(-1)!.solved;
      return {
        title: `Data profiles on the Moré–Wild benchmark (${config.variant}, τ = 10⁻³, ${config.budget}(n + 1) evaluations)`,
        reading:
          `Share of the 53 problems solved within the budget by the polls alone: probabilistic ${fixed(final('ds-probabilistic'), 2)}, coordinate ${fixed(final('ds-coordinate'), 2)}; ` +
          `trainlab's default direct search (a quadratic-model search step before a probabilistic poll, variables scaled from x0) ${fixed(final('direct-search'), 2)}, and Nelder–Mead, for reference, ${fixed(final('nelder-mead'), 2)}.`,
        claim:
          'Polling a few random directions (probabilistic descent, Gratton et al. 2015, the poll the min-max method builds on) solves more problems per evaluation than polling all 2n coordinate directions.',
        agrees: final('ds-probabilistic') >= final('ds-coordinate') + 0.05,
      };
    },
  },
};

/** The benchmarks of this package, in the order the report shows them. */
export const BENCHMARKS: readonly ExperimentDefinition[] = [gamesDefinition, moreWildDefinition];
