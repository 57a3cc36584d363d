/**
 * Experiment 4: the Q/V (and K/V) gradient ratio of one attention layer against the input
 * correlation ρ, the head width d_k, the tokens n, the input scale σ_x and the inverse temperature τ.
 */
import { createTransformer } from '@trainlab/attention';
import { Rng } from '@trainlab/tensor';
import { bottomLegend, logScale, titled } from './_figures';
import { layerGradients } from './gradients';
import { tokenMatrices } from './measures';
import {
  ConfigCheck,
  correlatedTokens,
  type ExperimentResult,
  finiteOrNull,
  groupBy,
  isNum,
  isOneOf,
  MAX_SEED,
  meanStd,
  type RunOptions,
  runCells,
  seedList,
  VEGA_LITE_SCHEMA,
} from './runner';
import { gradientRatioForTokens, predictGradientRatio } from './theory';

// ---------------------------------------------------------------- 4. Q/V ratio sweeps

/** The variables experiment 4 sweeps, one at a time around a base point. */
export const RATIO_VARIABLES = ['rho', 'headDim', 'n', 'sigmaX', 'tau'] as const;
/** The quantity `gradientRatioExperiment` sweeps. */
export type RatioVariable = (typeof RATIO_VARIABLES)[number];

/** Configuration of `gradientRatioExperiment`. */
export interface GradientRatioConfig {
  /** Base point: token correlation. @defaultValue 0.5 */
  rho?: number;
  /** Base point: head width d_k (one head). @defaultValue 32 */
  headDim?: number;
  /** Base point: tokens. @defaultValue 32 */
  n?: number;
  /** Base point: input scale σ_x. @defaultValue 1 */
  sigmaX?: number;
  /** Base point: inverse temperature τ. @defaultValue 1 */
  tau?: number;
  /** Token width d. @defaultValue 128 */
  dModel?: number;
  /** @defaultValue 3 */
  seeds?: number;
  /** The first seed. @defaultValue 0 */
  seed?: number;
  /** The variables to sweep. @defaultValue all of RATIO_VARIABLES */
  variables?: RatioVariable[];
  /** Values per swept variable. */
  sweeps?: Partial<Record<RatioVariable, number[]>>;
}

/** One measured row of `gradientRatioExperiment`. */
export interface GradientRatioRow {
  variable: RatioVariable;
  value: number;
  seed: number;
  /** Measured ‖∂L/∂W_Q‖ / ‖∂L/∂W_V‖. */
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
  qOverV: number;
  qOverVStd: number;
  kOverV: number;
  predicted: number;
  predictedForTokens: number;
}

/** Panel labels of the ratio figure: what each swept variable is (a Vega expression). */
const VARIABLE_LABEL_EXPR =
  "{rho: 'token correlation ρ', headDim: 'head width d_k', n: 'tokens n', sigmaX: 'input scale σ_x', tau: 'inverse temperature τ'}[datum.value]";

const DEFAULT_SWEEPS: Record<RatioVariable, number[]> = {
  rho: [0, 0.25, 0.5, 0.75, 0.9, 0.99],
  headDim: [8, 16, 32, 64, 128],
  n: [8, 16, 32, 64, 128],
  sigmaX: [0.25, 0.5, 1, 2],
  tau: [0.125, 0.25, 0.5, 1, 2],
};

/** Experiment 4's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveGradientRatioConfig(
  config: GradientRatioConfig = {},
): Required<GradientRatioConfig> & {
  sweeps: Record<RatioVariable, number[]>;
} {
  const check = new ConfigCheck('gradientRatio');
  check.keys(config, [
    'rho',
    'headDim',
    'n',
    'sigmaX',
    'tau',
    'dModel',
    'seeds',
    'seed',
    'variables',
    'sweeps',
  ]);
  const base = {
    rho: check.num('rho', config.rho, 0, 0.999, 0.5),
    headDim: check.int('headDim', config.headDim, 1, 4096, 32),
    n: check.int('n', config.n, 2, 4096, 32),
    sigmaX: check.num('sigmaX', config.sigmaX, 1e-3, 1e3, 1),
    tau: check.num('tau', config.tau, 0, 1e3, 1),
  };
  const dModel = check.int('dModel', config.dModel, 1, 8192, 128);
  const seeds = check.int('seeds', config.seeds, 1, 1000, 3);
  const firstSeed = check.int('seed', config.seed, 0, MAX_SEED, 0);
  const variables = check.list<RatioVariable>(
    'variables',
    config.variables,
    isOneOf(RATIO_VARIABLES),
    RATIO_VARIABLES.join(' | '),
    [...RATIO_VARIABLES],
  );
  const sweeps: Record<RatioVariable, number[]> = { ...DEFAULT_SWEEPS };
  if (config.sweeps !== undefined) {
    check.keys(config.sweeps, RATIO_VARIABLES);
    for (const v of RATIO_VARIABLES) {
      const ranges: Record<RatioVariable, [number, number, boolean]> = {
        rho: [0, 0.999, false],
        headDim: [1, 4096, true],
        n: [2, 4096, true],
        sigmaX: [1e-3, 1e3, false],
        tau: [0, 1e3, false],
      };
      const [lo, hi, int] = ranges[v];
      sweeps[v] = check.list(
        `sweeps.${v}`,
        config.sweeps[v],
        (x) => isNum(lo, hi)(x) && (!int || Number.isInteger(x)),
        `${int ? 'integers' : 'numbers'} from ${lo} to ${hi}`,
        DEFAULT_SWEEPS[v],
      );
    }
  }
  check.done();
  return { ...base, dModel, seeds, seed: firstSeed, variables, sweeps };
}

/**
 * Experiment 4: the Q/V (and K/V) gradient ratio of one attention layer (no residual, no LN, no MLP,
 * random probe loss) as each of ρ, d_k, n, σ_x and τ moves away from a base point, measured and
 * predicted.
 */
export async function gradientRatioExperiment(
  config: GradientRatioConfig = {},
  options: RunOptions<GradientRatioRow> = {},
): Promise<ExperimentResult<Required<GradientRatioConfig>, GradientRatioRow, GradientRatioSummary>> {
  const { dModel, seeds, seed: firstSeed, variables, sweeps, ...base } = resolveGradientRatioConfig(config);
  const cells = variables.flatMap((variable) =>
    sweeps[variable].flatMap((value) =>
      seedList(firstSeed, seeds).map((seed) => ({
        key: `${variable}=${value} · seed ${seed}`,
        run: (): GradientRatioRow[] => {
          const p = { ...base, [variable]: value };
          const model = createTransformer(
            {
              dModel,
              depth: 1,
              heads: 1,
              headDim: p.headDim,
              tau: p.tau,
              norm: 'none',
              residual: false,
              mlp: false,
            },
            { seed },
          );
          const x = correlatedTokens(p.n, dModel, p.rho, p.sigmaX, new Rng(seed).fork('input'));
          const [layer] = layerGradients(model, x, { kind: 'probe', seed }).layers;
          const tokens = tokenMatrices(x)[0]!;
          x.dispose();
          model.dispose();
          return [
            {
              variable,
              value,
              seed,
              qOverV: layer!.qOverV,
              kOverV: layer!.kOverV,
              predicted: predictGradientRatio({ n: p.n, d: dModel, rho: p.rho, sigmaX: p.sigmaX, tau: p.tau })
                .qOverV,
              predictedForTokens: gradientRatioForTokens(tokens, { tau: p.tau }).qOverV,
            },
          ];
        },
      })),
    ),
  );
  const { rows, failures } = await runCells('gradientRatio', cells, options);
  const summary = [...groupBy(rows, (r) => `${r.variable}|${r.value}`).values()].map((g) => {
    const q = meanStd(g.map((r) => r.qOverV));
    return {
      variable: g[0]!.variable,
      value: g[0]!.value,
      qOverV: q.mean,
      qOverVStd: q.std,
      kOverV: meanStd(g.map((r) => r.kOverV)).mean,
      predicted: g[0]!.predicted,
      predictedForTokens: meanStd(g.map((r) => r.predictedForTokens)).mean,
    };
  });
  const values = summary.flatMap((r) => [
    { variable: r.variable, value: r.value, source: 'measured', ratio: finiteOrNull(r.qOverV) },
    { variable: r.variable, value: r.value, source: 'theory', ratio: finiteOrNull(r.predicted) },
  ]);
  return {
    experiment: 'gradientRatio',
    config: { ...base, dModel, seeds, seed: firstSeed, variables, sweeps },
    rows,
    summary,
    failures,
    figure: {
      $schema: VEGA_LITE_SCHEMA,
      title: titled('Query/value gradient ratio ‖∂L/∂W_Q‖ / ‖∂L/∂W_V‖ of one attention layer', [
        'each panel moves one variable away from the base point,',
        `ρ = ${base.rho}, d_k = ${base.headDim}, n = ${base.n}, σ_x = ${base.sigmaX}, τ = ${base.tau} (d = ${dModel}, ${seeds} seed${seeds > 1 ? 's' : ''})`,
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
        width: Math.max(220, Math.floor(700 / variables.length)),
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
    },
  };
}
