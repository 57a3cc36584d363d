/**
 * Experiments on gradients at initialization: Q/K/V gradient norms per layer (3), the Q/V ratio
 * against input correlation, d_k, n, σ_x and τ (4), and collapsed inputs (6).
 */

import { createTransformer, type NormPlacement, type TransformerConfig } from '@trainlab/attention';
import { Rng, tf } from '@trainlab/tensor';
import { bottomLegend, logScale, sideLegend, titled } from './_figures';
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
import {
  modelConfig,
  type ResolvedSettings,
  resolveDepthSettings,
  type SettingsConfig,
  scaleLabel,
  settingsOf,
} from './settings';
import { gradientRatioForTokens, predictGradientRatio } from './theory';

// ---------------------------------------------------------------- 3. gradient norms per layer

/** Configuration of `gradientNormsExperiment`. */
export interface GradientNormsConfig extends SettingsConfig {
  /** @defaultValue 12 */
  depth?: number;
}

/** The weight groups whose gradient norms are reported. */
export type WeightGroup = 'q' | 'k' | 'v' | 'o' | 'mlp';

/** How the figures name each weight group. */
const GROUP_LABELS: Record<string, string> = { q: 'W_Q', k: 'W_K', v: 'W_V', o: 'W_O', mlp: 'MLP' };
/** How the gradient-norm figure draws each group, in drawing order: wide lines first, thin dashes over them. */
const WEIGHT_STYLES = [
  { name: 'W_K', color: '#8fb8de', dash: [1, 0], width: 5 },
  { name: 'W_O', color: '#f5b36b', dash: [1, 0], width: 5 },
  { name: 'W_Q', color: '#0b4f8a', dash: [7, 3], width: 2 },
  { name: 'W_V', color: '#9c3d00', dash: [2, 2], width: 2 },
  { name: 'MLP', color: '#555555', dash: [9, 3, 2, 3], width: 2 },
];

/** One measured row of `gradientNormsExperiment`. */
export interface GradientNormsRow {
  setting: string;
  norm: NormPlacement;
  scale: string;
  mlp: boolean;
  seed: number;
  layer: number;
  group: WeightGroup;
  /** ‖∂L/∂W‖_F for a random linear probe loss. */
  gradient: number;
}

/** One summary row of `gradientNormsExperiment` (mean over seeds). */
export interface GradientNormsSummary {
  setting: string;
  norm: NormPlacement;
  scale: string;
  mlp: boolean;
  layer: number;
  group: WeightGroup;
  gradient: number;
  gradientStd: number;
}

/** Experiment 3's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveGradientNormsConfig(
  config: GradientNormsConfig = {},
): ResolvedSettings & { depth: number } {
  return resolveDepthSettings('gradientNorms', config);
}

/** Experiment 3: gradient norms of W_Q, W_K, W_V, W_O (and the MLP) per layer at initialization. */
export async function gradientNormsExperiment(
  config: GradientNormsConfig = {},
  options: RunOptions<GradientNormsRow> = {},
): Promise<ExperimentResult<ResolvedSettings & { depth: number }, GradientNormsRow, GradientNormsSummary>> {
  const s = resolveGradientNormsConfig(config);
  const { depth } = s;
  const cells = settingsOf(s).flatMap((setting) =>
    seedList(s.seed, s.seeds).map((seed) => ({
      key: `${setting.label} · seed ${seed}`,
      run: (): GradientNormsRow[] => {
        const model = createTransformer(modelConfig(s, setting, depth), { seed });
        const x = correlatedTokens(s.n, s.dModel, s.rho0, 1, new Rng(seed).fork('input'));
        const { layers } = layerGradients(model, x, { kind: 'probe', seed });
        x.dispose();
        model.dispose();
        const base = {
          setting: setting.label,
          norm: setting.norm,
          scale: scaleLabel(setting.scale),
          mlp: setting.mlp,
          seed,
        };
        return layers.flatMap((l) =>
          (['q', 'k', 'v', 'o', 'mlp'] as const)
            .filter((group) => group !== 'mlp' || setting.mlp)
            .map((group) => ({ ...base, layer: l.layer, group, gradient: l[group] })),
        );
      },
    })),
  );
  const { rows, failures } = await runCells('gradientNorms', cells, options);
  const summary = [...groupBy(rows, (r) => `${r.setting}|${r.layer}|${r.group}`).values()].map((g) => {
    const m = meanStd(g.map((r) => r.gradient));
    const { seed: _, gradient: __, ...first } = g[0]!;
    return { ...first, gradient: m.mean, gradientStd: m.std };
  });
  const present = new Set(summary.map((r) => GROUP_LABELS[r.group] ?? r.group));
  const shown = WEIGHT_STYLES.filter((w) => present.has(w.name));
  return {
    experiment: 'gradientNorms',
    config: { ...s, depth },
    rows,
    summary,
    failures,
    figure: {
      $schema: VEGA_LITE_SCHEMA,
      title: titled(
        'Gradient norm of each weight per layer at initialization',
        `random probe loss, n = ${s.n}, d = ${s.dModel}, ${s.seeds} seed${s.seeds > 1 ? 's' : ''}; W_Q (dashed) runs on W_K, W_V (dotted) on W_O`,
      ),
      data: {
        values: summary.map((r) => ({
          ...r,
          gradient: finiteOrNull(r.gradient),
          weights: GROUP_LABELS[r.group] ?? r.group,
          panel: `${r.norm}-LN · ${r.scale} · ${r.mlp ? 'MLP' : 'attention only'}`,
        })),
      },
      // One panel per setting, wrapped three to a row (a lone column would leave the figure half empty).
      facet: { field: 'panel', type: 'nominal', title: null, sort: null },
      columns: Math.min(3, settingsOf(s).length),
      spec: {
        width: Math.max(220, Math.floor(700 / Math.min(3, settingsOf(s).length))),
        height: 190,
        mark: { type: 'line' },
        encoding: {
          x: { field: 'layer', type: 'quantitative', title: 'block (0 = first)' },
          y: { field: 'gradient', type: 'quantitative', ...logScale('‖∂L/∂W‖') },
          // W_Q lies on W_K and W_V on W_O: K and O are wide solid lines, Q and V thin dashes
          // drawn over them (lines are drawn in legend order), so both of each pair show.
          // Queries and keys share a blue hue, values and outputs an orange one.
          color: {
            field: 'weights',
            type: 'nominal',
            scale: { domain: shown.map((w) => w.name), range: shown.map((w) => w.color) },
            legend: sideLegend('weights', true),
          },
          strokeDash: {
            field: 'weights',
            type: 'nominal',
            scale: { domain: shown.map((w) => w.name), range: shown.map((w) => w.dash) },
            legend: sideLegend('weights', true),
          },
          strokeWidth: {
            field: 'weights',
            type: 'ordinal',
            sort: shown.map((w) => w.name),
            scale: { domain: shown.map((w) => w.name), range: shown.map((w) => w.width) },
            legend: sideLegend('weights', true),
          },
        },
      },
    },
  };
}

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

// ---------------------------------------------------------------- 6. collapsed inputs

/** Configuration of `collapseExperiment`. */
export interface CollapseConfig {
  /** @defaultValue ['post', 'pre', 'none'] */
  norms?: NormPlacement[];
  /** Blocks with and/or without an MLP. @defaultValue [false, true] */
  mlp?: boolean[];
  /** Distances from collapse: X = 1xᵀ + εE. @defaultValue [0, 1e-3, 1e-2, 1e-1, 1] */
  eps?: number[];
  /** @defaultValue 4 */
  depth?: number;
  /** @defaultValue 16 */
  n?: number;
  /** @defaultValue 64 */
  dModel?: number;
  /** @defaultValue 2 */
  seeds?: number;
  /** The first seed. @defaultValue 0 */
  seed?: number;
}

/** One measured row of `collapseExperiment`. */
export interface CollapseRow {
  norm: NormPlacement;
  mlp: boolean;
  eps: number;
  seed: number;
  layer: number;
  q: number;
  k: number;
  v: number;
}

/** One summary row of `collapseExperiment` (mean over seeds). */
export interface CollapseSummary {
  norm: NormPlacement;
  mlp: boolean;
  eps: number;
  /** Largest ‖∂W_Q‖/‖∂W_V‖ over layers and seeds. */
  maxQOverV: number;
  maxKOverV: number;
  /** Smallest ‖∂W_V‖ over layers and seeds. */
  minV: number;
}

/** Experiment 6's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveCollapseConfig(config: CollapseConfig = {}): Required<CollapseConfig> {
  const check = new ConfigCheck('collapse');
  check.keys(config, ['norms', 'mlp', 'eps', 'depth', 'n', 'dModel', 'seeds', 'seed']);
  const c = {
    norms: check.list<NormPlacement>(
      'norms',
      config.norms,
      isOneOf(['post', 'pre', 'none']),
      "'post' | 'pre' | 'none'",
      ['post', 'pre', 'none'],
    ),
    mlp: check.list<boolean>('mlp', config.mlp, (v) => typeof v === 'boolean', 'booleans', [false, true]),
    eps: check.list<number>(
      'eps',
      config.eps,
      isNum(0, 1e3),
      'numbers from 0 to 1000',
      [0, 1e-3, 1e-2, 1e-1, 1],
    ),
    depth: check.int('depth', config.depth, 1, 1024, 4),
    n: check.int('n', config.n, 2, 4096, 16),
    dModel: check.int('dModel', config.dModel, 1, 8192, 64),
    seeds: check.int('seeds', config.seeds, 1, 1000, 2),
    seed: check.int('seed', config.seed, 0, MAX_SEED, 0),
  };
  check.done();
  return c;
}

/**
 * Experiment 6: inputs at distance ε from full collapse (all tokens equal): the Q/K gradients are
 * exactly zero at ε = 0 and grow like ε², while the V gradients stay of order one.
 */
export async function collapseExperiment(
  config: CollapseConfig = {},
  options: RunOptions<CollapseRow> = {},
): Promise<ExperimentResult<Required<CollapseConfig>, CollapseRow, CollapseSummary>> {
  const c = resolveCollapseConfig(config);
  const cells = c.norms.flatMap((norm) =>
    c.mlp.flatMap((mlp) =>
      c.eps.flatMap((eps) =>
        seedList(c.seed, c.seeds).map((seed) => ({
          key: `${norm} · ${mlp ? 'MLP' : 'attention only'} · ε=${eps} · seed ${seed}`,
          run: (): CollapseRow[] => {
            const cfg: TransformerConfig = {
              dModel: c.dModel,
              depth: c.depth,
              heads: 2,
              norm,
              mlp,
              residualScale: norm === 'none' ? 0.5 : 1,
            };
            const model = createTransformer(cfg, { seed });
            const rng = new Rng(seed).fork('input');
            const x = tf.tidy(() => {
              const base = tf.tile(correlatedTokens(1, c.dModel, 0, 1, rng.fork('x')), [c.n, 1]);
              return tf.add(base, tf.mul(correlatedTokens(c.n, c.dModel, 0, 1, rng.fork('E')), eps));
            });
            const { layers } = layerGradients(model, x, { kind: 'probe', seed });
            x.dispose();
            model.dispose();
            return layers.map((l) => ({ norm, mlp, eps, seed, layer: l.layer, q: l.q, k: l.k, v: l.v }));
          },
        })),
      ),
    ),
  );
  const { rows, failures } = await runCells('collapse', cells, options);
  const summary = [...groupBy(rows, (r) => `${r.norm}|${r.mlp}|${r.eps}`).values()].map((g) => ({
    norm: g[0]!.norm,
    mlp: g[0]!.mlp,
    eps: g[0]!.eps,
    maxQOverV: Math.max(...g.map((r) => r.q / r.v)),
    maxKOverV: Math.max(...g.map((r) => r.k / r.v)),
    minV: Math.min(...g.map((r) => r.v)),
  }));
  return {
    experiment: 'collapse',
    config: c,
    rows,
    summary,
    failures,
    figure: {
      $schema: VEGA_LITE_SCHEMA,
      title: titled(
        'Query/value gradient ratio at distance ε from collapse',
        `inputs X = 1xᵀ + εE; ${c.depth} blocks, n = ${c.n}, d = ${c.dModel}; slope 2 on these axes is the ε² law`,
      ),
      data: {
        values: summary
          .filter((r) => r.eps > 0)
          .map((r) => ({
            ...r,
            variant: `${r.norm} · ${r.mlp ? 'MLP' : 'attention only'}`,
            maxQOverV: finiteOrNull(r.maxQOverV),
          })),
      },
      width: 620,
      height: 280,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'eps', type: 'quantitative', ...logScale('distance from collapse ε') },
        y: {
          field: 'maxQOverV',
          type: 'quantitative',
          ...logScale('max over layers of ‖∂W_Q‖/‖∂W_V‖', '.0e'),
        },
        color: { field: 'variant', type: 'nominal', legend: sideLegend('LayerNorm · block') },
      },
    },
  };
}
