/**
 * Experiments on the forward signal at initialization: token cosine per layer (1), last-layer
 * cosine against depth (2), and Dong et al.'s residual for pure attention against skips, MLPs and
 * LayerNorm (5).
 */

import { createTransformer, type NormPlacement, type TransformerConfig } from '@trainlab/attention';
import { Rng } from '@trainlab/tensor';
import { logScale, sideLegend, titled } from './_figures';
import { dongResidual, gramCorrelation, tokenCosine } from './measures';
import {
  ConfigCheck,
  correlatedTokens,
  type ExperimentResult,
  finiteOrNull,
  groupBy,
  isInt,
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
  resolveSettings,
  rowBase,
  SETTINGS_KEYS,
  type SettingsConfig,
  settingsOf,
} from './settings';
import { predictPropagation } from './theory';

/** Measures every block's output of one model on one input: cosine and Gram correlation per layer (0 = input). */
function measureLayers(
  config: TransformerConfig,
  s: ResolvedSettings,
  seed: number,
): { cosine: number; rho: number }[] {
  const model = createTransformer(config, { seed });
  const x = correlatedTokens(s.n, s.dModel, s.rho0, 1, new Rng(seed).fork('input'));
  const r = model.forward(x, { taps: { include: ['output'] } });
  const out = [x, ...r.taps.map((t) => t.output!)].map((t) => ({
    cosine: tokenCosine(t),
    rho: gramCorrelation(t),
  }));
  r.dispose();
  x.dispose();
  model.dispose();
  return out;
}

// ---------------------------------------------------------------- 1. token cosine per layer

/** Configuration of `tokenCosineExperiment`. */
export interface TokenCosineConfig extends SettingsConfig {
  /** Blocks L. @defaultValue 12 */
  depth?: number;
}

/** One measured row of `tokenCosineExperiment`. */
export interface TokenCosineRow {
  setting: string;
  norm: NormPlacement;
  scale: string;
  mlp: boolean;
  seed: number;
  layer: number;
  /** Mean pairwise cosine of the tokens after this block. */
  cosine: number;
  /** Gram correlation ρ̂. */
  rho: number;
  /** ρ predicted by the uniform-attention theory. */
  predicted: number;
}

/** One summary row of `tokenCosineExperiment` (mean over seeds, with the prediction). */
export interface TokenCosineSummary {
  setting: string;
  norm: NormPlacement;
  scale: string;
  mlp: boolean;
  layer: number;
  cosine: number;
  cosineStd: number;
  rho: number;
  predicted: number;
}

/** Experiment 1's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveTokenCosineConfig(
  config: TokenCosineConfig = {},
): ResolvedSettings & { depth: number } {
  return resolveDepthSettings('tokenCosine', config);
}

/**
 * Experiment 1: token cosine after every block, measured on the model and predicted by the theory,
 * for each LayerNorm placement × residual scale × with/without MLP.
 */
export async function tokenCosineExperiment(
  config: TokenCosineConfig = {},
  options: RunOptions<TokenCosineRow> = {},
): Promise<ExperimentResult<ResolvedSettings & { depth: number }, TokenCosineRow, TokenCosineSummary>> {
  const resolved = resolveTokenCosineConfig(config);
  const { depth } = resolved;
  const s = resolved;
  const cells = settingsOf(s).flatMap((setting) => {
    const cfg = modelConfig(s, setting, depth);
    const predicted = predictPropagation(cfg, { n: s.n, rho0: s.rho0 });
    return seedList(s.seed, s.seeds).map((seed) => ({
      key: `${setting.label} · seed ${seed}`,
      run: (): TokenCosineRow[] =>
        measureLayers(cfg, s, seed).map((m, layer) => ({
          ...rowBase(setting),
          seed,
          layer,
          cosine: m.cosine,
          rho: m.rho,
          predicted: predicted[layer]!.rho,
        })),
    }));
  });
  const { rows, failures } = await runCells('tokenCosine', cells, options);
  const summary = [...groupBy(rows, (r) => `${r.setting}|${r.layer}`).values()].map((g) => {
    const c = meanStd(g.map((r) => r.cosine));
    const first = g[0]!;
    return {
      setting: first.setting,
      norm: first.norm,
      scale: first.scale,
      mlp: first.mlp,
      layer: first.layer,
      cosine: c.mean,
      cosineStd: c.std,
      rho: meanStd(g.map((r) => r.rho)).mean,
      predicted: first.predicted,
    };
  });
  return {
    experiment: 'tokenCosine',
    config: resolved,
    rows,
    summary,
    failures,
    figure: measuredVsPredicted(
      `Token cosine per layer at initialization (n = ${s.n}, d = ${s.dModel}, ${s.seeds} seeds)`,
      summary.map((r) => ({ ...r, x: r.layer, measured: r.cosine })),
      'layer (0 = input)',
      'mean pairwise cosine',
      false,
    ),
  };
}

/** Lines of measured values (solid) and predictions (dashed) per setting, one panel per LN placement. */
function measuredVsPredicted(
  title: string,
  points: {
    setting: string;
    norm: string;
    scale: string;
    mlp: boolean;
    x: number;
    measured: number;
    predicted: number;
  }[],
  xTitle: string,
  yTitle: string,
  logX: boolean,
): Record<string, unknown> {
  const values = points.flatMap((p) => [
    {
      norm: p.norm,
      series: `${p.scale} · ${p.mlp ? 'MLP' : 'attn'}`,
      source: 'measured',
      x: p.x,
      y: finiteOrNull(p.measured),
    },
    {
      norm: p.norm,
      series: `${p.scale} · ${p.mlp ? 'MLP' : 'attn'}`,
      source: 'theory',
      x: p.x,
      y: finiteOrNull(p.predicted),
    },
  ]);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title,
    data: { values },
    facet: {
      column: { field: 'norm', type: 'nominal', title: null, header: { labelExpr: "datum.value + '-LN'" } },
    },
    spec: {
      // The panels share ~640 px, so one or two of them are not dwarfed by the title and legend.
      width: Math.max(260, Math.floor(640 / new Set(points.map((p) => p.norm)).size)),
      height: 220,
      mark: { type: 'line', point: { size: 30 } },
      encoding: {
        x: {
          field: 'x',
          type: 'quantitative',
          title: xTitle,
          ...(logX ? { scale: { type: 'log', base: 2 } } : {}),
        },
        y: { field: 'y', type: 'quantitative', title: yTitle, scale: { domain: [0, 1] } },
        color: { field: 'series', type: 'nominal', legend: sideLegend('setting') },
        strokeDash: { field: 'source', type: 'nominal', legend: sideLegend(null, true) },
      },
    },
  };
}

// ---------------------------------------------------------------- 2. last-layer cosine against depth

/** Configuration of `depthSweepExperiment`. */
export interface DepthSweepConfig extends SettingsConfig {
  /** @defaultValue [1, 2, 4, 8, 16, 32, 64] */
  depths?: number[];
}

/** One measured row of `depthSweepExperiment`. */
export interface DepthSweepRow {
  setting: string;
  norm: NormPlacement;
  scale: string;
  mlp: boolean;
  seed: number;
  depth: number;
  /** Cosine after the last block (NaN when the activations overflowed float32). */
  cosine: number;
  predicted: number;
}

/** One summary row of `depthSweepExperiment` (mean over seeds). */
export interface DepthSweepSummary {
  setting: string;
  norm: NormPlacement;
  scale: string;
  mlp: boolean;
  depth: number;
  cosine: number;
  cosineStd: number;
  predicted: number;
}

/** The depth sweep's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveDepthSweepConfig(
  config: DepthSweepConfig = {},
): ResolvedSettings & { depths: number[] } {
  const check = new ConfigCheck('depthSweep');
  check.keys(config, [...SETTINGS_KEYS, 'depths']);
  const s = resolveSettings(check, { seeds: 2, ...config });
  const depths = check.list<number>(
    'depths',
    config.depths,
    isInt(1, 1024),
    'integers from 1 to 1024',
    [1, 2, 4, 8, 16, 32, 64],
  );
  check.done();
  return { ...s, depths };
}

/** Experiment 2: the last block's token cosine as the depth L grows, measured and predicted. */
export async function depthSweepExperiment(
  config: DepthSweepConfig = {},
  options: RunOptions<DepthSweepRow> = {},
): Promise<ExperimentResult<ResolvedSettings & { depths: number[] }, DepthSweepRow, DepthSweepSummary>> {
  const resolved = resolveDepthSweepConfig(config);
  const { depths } = resolved;
  const s = resolved;
  const cells = settingsOf(s).flatMap((setting) =>
    depths.flatMap((depth) => {
      const cfg = modelConfig(s, setting, depth);
      const predicted = predictPropagation(cfg, { n: s.n, rho0: s.rho0 }).at(-1)!.rho;
      return seedList(s.seed, s.seeds).map((seed) => ({
        key: `${setting.label} · L=${depth} · seed ${seed}`,
        run: (): DepthSweepRow[] => [
          { ...rowBase(setting), seed, depth, cosine: lastCosine(cfg, s, seed), predicted },
        ],
      }));
    }),
  );
  const { rows, failures } = await runCells('depthSweep', cells, options);
  const summary = [...groupBy(rows, (r) => `${r.setting}|${r.depth}`).values()].map((g) => {
    const c = meanStd(g.map((r) => r.cosine));
    const { seed: _, cosine: __, ...first } = g[0]!;
    return { ...first, cosine: c.mean, cosineStd: c.std };
  });
  return {
    experiment: 'depthSweep',
    config: { ...s, depths },
    rows,
    summary,
    failures,
    figure: measuredVsPredicted(
      `Last-layer token cosine against depth (n = ${s.n}, d = ${s.dModel})`,
      summary.map((r) => ({ ...r, x: r.depth, measured: r.cosine })),
      'depth L',
      'cosine after the last block',
      true,
    ),
  };
}

function lastCosine(cfg: TransformerConfig, s: ResolvedSettings, seed: number): number {
  const model = createTransformer(cfg, { seed });
  const x = correlatedTokens(s.n, s.dModel, s.rho0, 1, new Rng(seed).fork('input'));
  const y = model.forward(x);
  const values = y.output.dataSync();
  const cosine = values.every(Number.isFinite) ? tokenCosine(y.output) : Number.NaN;
  y.dispose();
  x.dispose();
  model.dispose();
  return cosine;
}

// ---------------------------------------------------------------- 5. Dong et al.'s residual

/** The stacks compared in experiment 5. */
export const DONG_VARIANTS = [
  'attention',
  'attention + skip',
  'attention + MLP',
  'attention + skip + MLP',
  'attention + skip + LN',
] as const;
/** The architectures `dongResidualExperiment` compares. */
export type DongVariant = (typeof DONG_VARIANTS)[number];

/** Configuration of `dongResidualExperiment`. */
export interface DongConfig {
  /** @defaultValue 12 */
  depth?: number;
  /** @defaultValue 32 */
  n?: number;
  /** @defaultValue 128 */
  dModel?: number;
  /** @defaultValue 4 */
  heads?: number;
  /** @defaultValue 3 */
  seeds?: number;
  /** The first seed. @defaultValue 0 */
  seed?: number;
  /** @defaultValue all of DONG_VARIANTS */
  variants?: DongVariant[];
}

/** One measured row of `dongResidualExperiment`. */
export interface DongRow {
  variant: DongVariant;
  seed: number;
  layer: number;
  /** ‖res(X)‖_{1,∞} / ‖X‖_{1,∞}. */
  composite: number;
  /** ‖res(X)‖_F / ‖X‖_F. */
  frobenius: number;
}

/** One summary row of `dongResidualExperiment` (mean over seeds). */
export interface DongSummary {
  variant: DongVariant;
  layer: number;
  composite: number;
  compositeStd: number;
  frobenius: number;
}

function dongModel(variant: DongVariant, c: Required<Omit<DongConfig, 'variants'>>): TransformerConfig {
  const base = { dModel: c.dModel, depth: c.depth, heads: c.heads };
  switch (variant) {
    case 'attention':
      return { ...base, norm: 'none', mlp: false, residual: false };
    case 'attention + skip':
      return { ...base, norm: 'none', mlp: false };
    case 'attention + MLP':
      return { ...base, norm: 'none', residual: false };
    case 'attention + skip + MLP':
      return { ...base, norm: 'none' };
    case 'attention + skip + LN':
      return { ...base, norm: 'post', mlp: false };
  }
}

/** Experiment 5's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveDongConfig(config: DongConfig = {}): Required<DongConfig> {
  const check = new ConfigCheck('dongResidual');
  check.keys(config, ['depth', 'n', 'dModel', 'heads', 'seeds', 'seed', 'variants']);
  const c = {
    depth: check.int('depth', config.depth, 1, 1024, 12),
    n: check.int('n', config.n, 2, 4096, 32),
    dModel: check.int('dModel', config.dModel, 1, 8192, 128),
    heads: check.heads(config.heads, typeof config.dModel === 'number' ? config.dModel : 128, 4),
    seeds: check.int('seeds', config.seeds, 1, 1000, 3),
    seed: check.int('seed', config.seed, 0, MAX_SEED, 0),
  };
  const variants = check.list<DongVariant>(
    'variants',
    config.variants,
    (v) => DONG_VARIANTS.includes(v as DongVariant),
    DONG_VARIANTS.join(' | '),
    [...DONG_VARIANTS],
  );
  check.done();
  return { ...c, variants };
}

/** Where the Dong figure's log axis draws residuals that are exactly 0. */
const DONG_FLOOR = 1e-12;

/**
 * Experiment 5 (Dong, Cordonnier & Loukas 2021): the relative residual ‖X − 1x̄ᵀ‖/‖X‖ after each
 * block of a pure attention stack, and with skips, MLPs or LayerNorm added.
 */
export async function dongResidualExperiment(
  config: DongConfig = {},
  options: RunOptions<DongRow> = {},
): Promise<ExperimentResult<Required<DongConfig>, DongRow, DongSummary>> {
  const { variants, ...c } = resolveDongConfig(config);
  const cells = variants.flatMap((variant) =>
    seedList(c.seed, c.seeds).map((seed) => ({
      key: `${variant} · seed ${seed}`,
      run: (): DongRow[] => {
        const model = createTransformer(dongModel(variant, c), { seed });
        const x = correlatedTokens(c.n, c.dModel, 0, 1, new Rng(seed).fork('input'));
        const r = model.forward(x, { taps: { include: ['output'] } });
        const rows = [x, ...r.taps.map((t) => t.output!)].map((t, layer) => ({
          variant,
          seed,
          layer,
          ...dongResidual(t),
        }));
        r.dispose();
        x.dispose();
        model.dispose();
        return rows;
      },
    })),
  );
  const { rows, failures } = await runCells('dongResidual', cells, options);
  const summary = [...groupBy(rows, (r) => `${r.variant}|${r.layer}`).values()].map((g) => {
    const m = meanStd(g.map((r) => r.composite));
    return {
      variant: g[0]!.variant,
      layer: g[0]!.layer,
      composite: m.mean,
      compositeStd: m.std,
      frobenius: meanStd(g.map((r) => r.frobenius)).mean,
    };
  });
  return {
    experiment: 'dongResidual',
    config: { ...c, variants },
    rows,
    summary,
    failures,
    figure: {
      $schema: VEGA_LITE_SCHEMA,
      title: titled("Dong et al.'s relative residual ‖X − 1x̄ᵀ‖₁,∞ / ‖X‖₁,∞ per layer", [
        `n = ${c.n}, d = ${c.dModel}, ${c.seeds} seed${c.seeds > 1 ? 's' : ''}; pure attention loses rank doubly exponentially, skips keep it`,
        `a residual of exactly 0 (all tokens equal in float32) has no place on a log axis: it is drawn as ▼ at ${DONG_FLOOR}`,
      ]),
      data: {
        values: summary.map((r) => ({
          ...r,
          // A log axis has no 0: exact zeros sit on the floor, marked as what they are.
          residual: finiteOrNull(Math.max(r.composite, DONG_FLOOR)),
          kind: r.composite === 0 ? '0 (exact in float32)' : 'measured',
        })),
      },
      width: 620,
      height: 260,
      encoding: {
        x: {
          field: 'layer',
          type: 'quantitative',
          title: 'layer (0 = input)',
          axis: { format: 'd', tickMinStep: 1 },
        },
        y: { field: 'residual', type: 'quantitative', ...logScale('relative residual', '.0e') },
        color: { field: 'variant', type: 'nominal', legend: sideLegend('model') },
      },
      layer: [
        { mark: { type: 'line' } },
        {
          mark: { type: 'point', filled: true, size: 70 },
          encoding: {
            shape: {
              field: 'kind',
              type: 'nominal',
              scale: { domain: ['measured', '0 (exact in float32)'], range: ['circle', 'triangle-down'] },
              legend: sideLegend(null),
            },
          },
        },
      ],
    },
  };
}
