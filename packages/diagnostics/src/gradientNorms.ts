/**
 * Experiment 3: the gradient norms of W_Q, W_K, W_V, W_O and the MLP per layer at initialization.
 */
import { createTransformer } from '@trainlab/attention';
import {
  type ExperimentDefinition,
  type ExperimentResult,
  type RunOptions,
  resolveConfig,
  runExperiment,
  sci,
} from '@trainlab/runner';
import { Rng } from '@trainlab/tensor';
import type { z } from 'zod';
import { logScale, sideLegend, titled } from './_figures';
import { reproduceDepth, reproduceSize } from './_reproduce';
import { layerGradients } from './gradients';
import { correlatedTokens, finiteOrNull, groupBy, meanStd, seedList, VEGA_LITE_SCHEMA } from './runner';
import {
  depthSettingsSchema,
  hasScale,
  modelConfig,
  rowBase,
  type SettingColumns,
  settingKey,
  settingLabel,
  settingsMemory,
  settingsOf,
} from './settings';

// ---------------------------------------------------------------- 3. gradient norms per layer

/** Configuration of experiment 3 (`grads`): the settings swept and the depth. */
export type GradientNormsConfig = z.input<typeof depthSettingsSchema>;
type Resolved = z.output<typeof depthSettingsSchema>;

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
export interface GradientNormsRow extends SettingColumns {
  seed: number;
  /** The block ℓ = 1…L (its output is layer ℓ; layer 0 is the input), as in every output. */
  layer: number;
  group: WeightGroup;
  /** ‖∂L/∂W‖_F for a random linear probe loss. */
  gradient: number;
}

/** One summary row of `gradientNormsExperiment` (mean over seeds). */
export interface GradientNormsSummary extends SettingColumns {
  layer: number;
  group: WeightGroup;
  gradient: number;
  gradientStd: number;
  /** Standard error of the mean over seeds. */
  gradientSe: number;
}

/**
 * Experiment 3 (`grads`): gradient norms of W_Q, W_K, W_V, W_O (and the MLP) per layer at
 * initialization, for a random linear probe loss.
 */
export const gradientNormsDefinition: ExperimentDefinition<
  typeof depthSettingsSchema,
  GradientNormsRow,
  GradientNormsSummary
> = {
  id: 'grads',
  // 2: blocks count from 1 (layer ℓ = block ℓ, its output), as in every other output.
  version: 2,
  owner: '@trainlab/diagnostics',
  engine: 'tfjs',
  title: 'gradient norms of W_Q, W_K, W_V, W_O and the MLP per layer at initialization (experiment 3)',
  example: '--depth 16 --norms post --mlp false',
  schema: depthSettingsSchema,
  memory: (s) => settingsMemory(s, [s.depth], 'backward'),
  sizeFields: ['depth', 'dModel', 'n'],
  cells: (s) =>
    settingsOf(s).flatMap((setting) =>
      seedList(s.seed, s.seeds).map((seed) => ({
        key: `${setting.label} · seed ${seed}`,
        run: (): GradientNormsRow[] => {
          const model = createTransformer(modelConfig(s, setting, s.depth), { seed });
          const x = correlatedTokens(s.n, s.dModel, s.rho0, 1, new Rng(seed).fork('input'));
          const { layers } = layerGradients(model, x, { kind: 'probe', seed });
          x.dispose();
          model.dispose();
          const base = { ...rowBase(setting, s.depth), seed };
          return layers.flatMap((l) =>
            (['q', 'k', 'v', 'o', 'mlp'] as const)
              .filter((group) => group !== 'mlp' || setting.mlp)
              .map((group) => ({ ...base, layer: l.layer + 1, group, gradient: l[group] })),
          );
        },
      })),
    ),
  summarize: (rows) =>
    [...groupBy(rows, (r) => `${settingKey(r)}|${r.layer}|${r.group}`).values()].map((g) => {
      const m = meanStd(g.map((r) => r.gradient));
      const { seed: _, gradient: __, ...first } = g[0]!;
      return { ...first, gradient: m.mean, gradientStd: m.std, gradientSe: m.se };
    }),
  figure: (summary, s) => gradientNormsFigure(summary, s),
  reproduce: {
    paper: 'rank collapse',
    config: ({ quick, seed }) => ({
      ...reproduceSize(quick),
      seed,
      depth: reproduceDepth(quick),
      norms: ['post'],
      scales: [1, 'inv-sqrt-depth'],
      mlp: [false],
    }),
    finding: ({ summary: s, config }) => {
      const depth = config.depth;
      const ratio = (scale: 1 | 'inv-sqrt-depth', layer: number) => {
        const g = (group: string) =>
          s.find((r) => hasScale(r, scale) && r.layer === layer && r.group === group)!.gradient;
        return g('q') / g('v');
      };
      const fall1 = ratio(1, depth) / ratio(1, 1);
      const fallS = ratio('inv-sqrt-depth', depth) / ratio('inv-sqrt-depth', 1);
      return {
        title: `Gradient norms of W_Q, W_K, W_V, W_O per layer at initialization (Post-LN, ${depth} blocks)`,
        reading:
          `With α = 1 the ratio ‖∂W_Q‖/‖∂W_V‖ is ${sci(ratio(1, 1))} in the first block and ${sci(ratio(1, depth))} in the last (×${sci(fall1)}); ` +
          `with α = 1/√L it goes from ${sci(ratio('inv-sqrt-depth', 1))} to ${sci(ratio('inv-sqrt-depth', depth))} (×${sci(fallS)}). Queries and keys get far smaller gradients than values where tokens have aligned.`,
        claim: 'Rank collapse makes the gradients of queries and keys vanish while those of values do not.',
        agrees: fall1 < 0.1 && fallS > 10 * fall1,
      };
    },
  },
};

/** Experiment 3's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveGradientNormsConfig(config: GradientNormsConfig = {}): Resolved {
  return resolveConfig(gradientNormsDefinition, config);
}

/** Runs experiment 3 (`grads`, see `gradientNormsDefinition`). */
export function gradientNormsExperiment(
  config: GradientNormsConfig = {},
  options: RunOptions<GradientNormsRow> = {},
): Promise<ExperimentResult<Resolved, GradientNormsRow, GradientNormsSummary>> {
  return runExperiment(gradientNormsDefinition, config, options);
}

function gradientNormsFigure(summary: GradientNormsSummary[], s: Resolved): Record<string, unknown> {
  const present = new Set(summary.map((r) => GROUP_LABELS[r.group] ?? r.group));
  const shown = WEIGHT_STYLES.filter((w) => present.has(w.name));
  return {
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
        panel: settingLabel(r, `${r.norm}-LN`),
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
        x: { field: 'layer', type: 'quantitative', title: 'block ℓ (1 = first; its output is layer ℓ)' },
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
  };
}
