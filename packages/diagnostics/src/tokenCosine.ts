/**
 * Experiment 1: the token cosine after every block, measured on the model and predicted by the
 * uniform-attention theory, for each LayerNorm placement × residual scale × with/without MLP.
 */
import { createTransformer, type NormPlacement, type TransformerConfig } from '@trainlab/attention';
import { Rng } from '@trainlab/tensor';
import { sideLegend, topLegend } from './_figures';
import { gramCorrelation, tokenCosine } from './measures';
import {
  correlatedTokens,
  type ExperimentResult,
  finiteOrNull,
  groupBy,
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
  rowBase,
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
export function measuredVsPredicted(
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
  const few = new Set(values.map((v) => v.series)).size <= 3;
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
        // A few settings read best in a row above the panels; many in a column beside them.
        color: {
          field: 'series',
          type: 'nominal',
          legend: few ? topLegend('setting') : sideLegend('setting'),
        },
        strokeDash: {
          field: 'source',
          type: 'nominal',
          legend: few ? topLegend(null, true) : sideLegend(null, true),
        },
      },
    },
  };
}
