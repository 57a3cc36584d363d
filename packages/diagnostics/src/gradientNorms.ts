/**
 * Experiment 3: the gradient norms of W_Q, W_K, W_V, W_O and the MLP per layer at initialization.
 */
import { createTransformer, type NormPlacement } from '@trainlab/attention';
import { Rng } from '@trainlab/tensor';
import { logScale, sideLegend, titled } from './_figures';
import { layerGradients } from './gradients';
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
  type SettingsConfig,
  scaleLabel,
  settingsOf,
} from './settings';

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
