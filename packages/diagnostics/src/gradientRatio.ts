/**
 * Experiment 4: the Q/V (and K/V) gradient ratio of one attention layer against the input
 * correlation ρ, the head width d_k, the tokens n, the input scale σ_x and the inverse temperature τ.
 */
import { createTransformer, type TransformerConfig } from '@trainlab/attention';
import {
  type ExperimentDefinition,
  type ExperimentResult,
  fixed,
  int,
  nonEmpty,
  num,
  oneOf,
  type RunOptions,
  resolveConfig,
  runExperiment,
  sci,
  seedField,
} from '@trainlab/runner';
import { Rng } from '@trainlab/tensor';
import { z } from 'zod';
import { bottomLegend, logScale, titled } from './_figures';
import { largestCell } from './_memory';
import { reproduceSize } from './_reproduce';
import { layerGradients } from './gradients';
import { tokenMatrices } from './measures';
import { correlatedTokens, finiteOrNull, groupBy, meanStd, seedList, VEGA_LITE_SCHEMA } from './runner';
import { gradientRatioForTokens, predictGradientRatio } from './theory';

// ---------------------------------------------------------------- 4. Q/V ratio sweeps

/** The variables experiment 4 sweeps, one at a time around a base point. */
export const RATIO_VARIABLES = ['rho', 'headDim', 'n', 'sigmaX', 'tau'] as const;
/** The quantity `gradientRatioExperiment` sweeps. */
export type RatioVariable = (typeof RATIO_VARIABLES)[number];

/** The range of each swept variable (the base point's and the sweep's values). */
const RANGES = {
  rho: () => num(0, 0.999),
  headDim: () => int(1, 4096),
  n: () => int(2, 4096),
  sigmaX: () => num(1e-3, 1e3),
  tau: () => num(0, 1e3),
} as const;

const DEFAULT_SWEEPS: Record<RatioVariable, number[]> = {
  rho: [0, 0.25, 0.5, 0.75, 0.9, 0.99],
  headDim: [8, 16, 32, 64, 128],
  n: [8, 16, 32, 64, 128],
  sigmaX: [0.25, 0.5, 1, 2],
  tau: [0.125, 0.25, 0.5, 1, 2],
};

const sweep = (v: RatioVariable, what: string) =>
  nonEmpty(RANGES[v]()).default(DEFAULT_SWEEPS[v]).describe(`values of ${what} when it is swept`);

const gradientRatioSchema = z.strictObject({
  rho: RANGES.rho().default(0.5).describe('base point: token correlation ρ'),
  headDim: RANGES.headDim().default(32).describe('base point: head width d_k (one head)'),
  n: RANGES.n().default(32).describe('base point: tokens n'),
  sigmaX: RANGES.sigmaX().default(1).describe('base point: input scale σ_x'),
  tau: RANGES.tau().default(1).describe('base point: inverse temperature τ'),
  dModel: int(1, 8192).default(128).describe('token width d'),
  seeds: int(1, 1000).default(3).describe('seeds per point'),
  seed: seedField(),
  variables: nonEmpty(oneOf(RATIO_VARIABLES))
    .default([...RATIO_VARIABLES])
    .describe('the variables to sweep'),
  sweeps: z
    .strictObject({
      rho: sweep('rho', 'ρ'),
      headDim: sweep('headDim', 'd_k'),
      n: sweep('n', 'n'),
      sigmaX: sweep('sigmaX', 'σ_x'),
      tau: sweep('tau', 'τ'),
    })
    .prefault({}),
});

/** Configuration of experiment 4 (`ratio`). */
export type GradientRatioConfig = z.input<typeof gradientRatioSchema>;
type Resolved = z.output<typeof gradientRatioSchema>;

/** One measured row of `gradientRatioExperiment`. */
export interface GradientRatioRow {
  variable: RatioVariable;
  value: number;
  seed: number;
  /** Measured ‖∂L/∂W_Q‖, ‖∂L/∂W_K‖ and ‖∂L/∂W_V‖ of this seed. */
  q: number;
  k: number;
  v: number;
  /** Measured ‖∂L/∂W_Q‖ / ‖∂L/∂W_V‖ of this seed. */
  qOverV: number;
  kOverV: number;
  /** The closed form for (ρ, n, d, σ_x, τ). */
  predicted: number;
  /** The prediction for this seed's actual tokens. */
  predictedForTokens: number;
}

/** One summary row of `gradientRatioExperiment` (mean over seeds, with the prediction). */
export interface GradientRatioSummary {
  variable: RatioVariable;
  value: number;
  /**
   * Ratio of expectations √(mean ‖∂W_Q‖² / mean ‖∂W_V‖²) over seeds: what the theory predicts
   * (`predicted` is √(E‖∂W_Q‖²/E‖∂W_V‖²)); the figure and the finding use it.
   */
  qOverVRms: number;
  /** Mean over seeds of each seed's ratio ‖∂W_Q‖/‖∂W_V‖, its standard deviation and standard error. */
  qOverV: number;
  qOverVStd: number;
  qOverVSe: number;
  /** Mean over seeds of each seed's ‖∂W_K‖/‖∂W_V‖. */
  kOverV: number;
  predicted: number;
  predictedForTokens: number;
}

/** Panel labels of the ratio figure: what each swept variable is (a Vega expression). */
const VARIABLE_LABEL_EXPR =
  "{rho: 'token correlation ρ', headDim: 'head width d_k', n: 'tokens n', sigmaX: 'input scale σ_x', tau: 'inverse temperature τ'}[datum.value]";

/**
 * Experiment 4 (`ratio`): the Q/V (and K/V) gradient ratio of one attention layer (no residual,
 * no LN, no MLP, random probe loss) as each of ρ, d_k, n, σ_x and τ moves away from a base point,
 * measured and predicted.
 */
export const gradientRatioDefinition: ExperimentDefinition<
  typeof gradientRatioSchema,
  GradientRatioRow,
  GradientRatioSummary
> = {
  id: 'ratio',
  // 2: rows carry the norms, the summary the ratio of expectations (qOverVRms) beside the mean of ratios.
  version: 2,
  owner: '@trainlab/diagnostics',
  engine: 'tfjs',
  title: 'Q/V gradient ratio against ρ, d_k, n, σ_x and τ, measured and predicted (experiment 4)',
  example: '--variables rho,tau --tau 0.5',
  schema: gradientRatioSchema,
  memory: (c) =>
    largestCell(
      c.variables.flatMap((variable) =>
        c.sweeps[variable].map((value) => {
          const p = pointOf(c, variable, value);
          return { config: ratioModel(c, p), tokens: p.n, label: `${variable}=${value}` };
        }),
      ),
      'backward',
    ),
  sizeFields: ['dModel', 'n', 'headDim'],
  cells: (c) =>
    c.variables.flatMap((variable) =>
      c.sweeps[variable].flatMap((value) =>
        seedList(c.seed, c.seeds).map((seed) => ({
          key: `${variable}=${value} · seed ${seed}`,
          run: (): GradientRatioRow[] => [ratioCell(c, variable, value, seed)],
        })),
      ),
    ),
  summarize: (rows) =>
    [...groupBy(rows, (r) => `${r.variable}|${r.value}`).values()].map((g) => {
      const q = meanStd(g.map((r) => r.qOverV));
      const meanSquare = (f: (r: GradientRatioRow) => number) =>
        g.reduce((a, r) => a + f(r) ** 2, 0) / g.length;
      return {
        variable: g[0]!.variable,
        value: g[0]!.value,
        qOverVRms: Math.sqrt(meanSquare((r) => r.q) / meanSquare((r) => r.v)),
        qOverV: q.mean,
        qOverVStd: q.std,
        qOverVSe: q.se,
        kOverV: meanStd(g.map((r) => r.kOverV)).mean,
        predicted: g[0]!.predicted,
        predictedForTokens: meanStd(g.map((r) => r.predictedForTokens)).mean,
      };
    }),
  figure: (summary, c) => {
    const values = summary.flatMap((r) => [
      { variable: r.variable, value: r.value, source: 'measured', ratio: finiteOrNull(r.qOverVRms) },
      { variable: r.variable, value: r.value, source: 'theory', ratio: finiteOrNull(r.predicted) },
    ]);
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: titled('Query/value gradient ratio ‖∂L/∂W_Q‖ / ‖∂L/∂W_V‖ of one attention layer', [
        'each panel moves one variable away from the base point,',
        `ρ = ${c.rho}, d_k = ${c.headDim}, n = ${c.n}, σ_x = ${c.sigmaX}, τ = ${c.tau} (d = ${c.dModel}, ${c.seeds} seed${c.seeds > 1 ? 's' : ''})`,
      ]),
      data: { values },
      facet: {
        column: {
          field: 'variable',
          type: 'nominal',
          title: null,
          sort: RATIO_VARIABLES,
          header: { labelOrient: 'bottom', labelExpr: VARIABLE_LABEL_EXPR, labelFontWeight: 'bold' },
        },
      },
      resolve: { scale: { x: 'independent' } },
      spec: {
        // Panels share ~700 px, so a figure of one or two panels is not dwarfed by its title.
        width: Math.max(220, Math.floor(700 / c.variables.length)),
        height: 240,
        mark: { type: 'line', point: { size: 40 } },
        encoding: {
          x: { field: 'value', type: 'quantitative', title: null },
          y: { field: 'ratio', type: 'quantitative', ...logScale('Q/V gradient ratio', '.0e') },
          strokeDash: { field: 'source', type: 'nominal', legend: bottomLegend(null, 2) },
          color: {
            field: 'source',
            type: 'nominal',
            scale: { range: ['#1f5f9e', '#d9730d'] },
            legend: bottomLegend(null, 2),
          },
        },
      },
    };
  },
  reproduce: {
    paper: 'rank collapse',
    config: ({ quick, seed }) => {
      const size = reproduceSize(quick);
      return {
        seed,
        seeds: size.seeds,
        dModel: size.dModel,
        variables: ['rho', 'tau'],
        sweeps: { rho: [0, 0.25, 0.5, 0.75, 0.9, 0.99], tau: [0.125, 0.25, 0.5, 1, 2] },
      };
    },
    finding: ({ summary }) => {
      const s = summary.filter((r) => r.variable === 'rho');
      const first = s[0]!;
      const lastR = s.at(-1)!;
      const off = Math.max(...s.map((r) => Math.max(r.qOverVRms / r.predicted, r.predicted / r.qOverVRms)));
      const falling = s.every((r, i) => i === 0 || r.qOverVRms < s[i - 1]!.qOverVRms);
      return {
        title:
          'Query/value gradient ratio of one attention layer against token correlation ρ and temperature τ',
        reading:
          `‖∂W_Q‖/‖∂W_V‖ (ratio of root-mean-square norms over seeds, what the theory predicts) falls from ${sci(first.qOverVRms)} at ρ = ${first.value} to ${sci(lastR.qOverVRms)} at ρ = ${lastR.value} (theory ${sci(first.predicted)} → ${sci(lastR.predicted)}, within a factor ${fixed(off, 2)}). ` +
          'It grows linearly with τ: the inverse temperature can rebalance the two.',
        claim:
          'Queries/keys and values get gradients of very different size, and the gap widens as tokens align (a reason adaptive optimizers are needed).',
        agrees: falling && lastR.qOverVRms < 0.01 * first.qOverVRms && off < 2,
      };
    },
  },
};

/** One seed at one point of one sweep: measured and predicted ratios. */
/** The point of a sweep: the base point with one variable set to `value`. */
function pointOf(c: Resolved, variable: RatioVariable, value: number) {
  return { rho: c.rho, headDim: c.headDim, n: c.n, sigmaX: c.sigmaX, tau: c.tau, [variable]: value };
}

/** The one-block, one-head model of a ratio cell. */
function ratioModel(c: Resolved, p: ReturnType<typeof pointOf>): TransformerConfig {
  return {
    dModel: c.dModel,
    depth: 1,
    heads: 1,
    headDim: p.headDim,
    tau: p.tau,
    norm: 'none',
    residual: false,
    mlp: false,
  };
}

function ratioCell(c: Resolved, variable: RatioVariable, value: number, seed: number): GradientRatioRow {
  const p = pointOf(c, variable, value);
  const model = createTransformer(ratioModel(c, p), { seed });
  const x = correlatedTokens(p.n, c.dModel, p.rho, p.sigmaX, new Rng(seed).fork('input'));
  const [layer] = layerGradients(model, x, { kind: 'probe', seed }).layers;
  const tokens = tokenMatrices(x)[0]!;
  x.dispose();
  model.dispose();
  return {
    variable,
    value,
    seed,
    q: layer!.q,
    k: layer!.k,
    v: layer!.v,
    qOverV: layer!.qOverV,
    kOverV: layer!.kOverV,
    predicted: predictGradientRatio({ n: p.n, d: c.dModel, rho: p.rho, sigmaX: p.sigmaX, tau: p.tau }).qOverV,
    predictedForTokens: gradientRatioForTokens(tokens, { tau: p.tau }).qOverV,
  };
}

/** Experiment 4's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveGradientRatioConfig(config: GradientRatioConfig = {}): Resolved {
  return resolveConfig(gradientRatioDefinition, config);
}

/** Runs experiment 4 (`ratio`, see `gradientRatioDefinition`). */
export function gradientRatioExperiment(
  config: GradientRatioConfig = {},
  options: RunOptions<GradientRatioRow> = {},
): Promise<ExperimentResult<Resolved, GradientRatioRow, GradientRatioSummary>> {
  return runExperiment(gradientRatioDefinition, config, options);
}
