/**
 * The model settings the propagation experiments sweep (LayerNorm placement × residual scale ×
 * with/without MLP, on one token width and sequence length) as the one zod schema those
 * experiments' configs are built from, and the sweep points it expands to.
 */
import type { MemoryMode, NormPlacement, ResidualScale, TransformerConfig } from '@trainlab/attention';
import { int, type MemoryNeed, nonEmpty, num, oneOf, seedField } from '@trainlab/runner';
import { z } from 'zod';
import { largestCell } from './_memory';

/** A LayerNorm placement. */
export const normSchema = oneOf(['post', 'pre', 'none']);

/** A residual scale α: a number, or `inv-sqrt-depth` for 1/√L. */
export const scaleSchema = z.union([num(0, 1e6), z.literal('inv-sqrt-depth')], {
  error: "must be a number from 0 to 1000000 or 'inv-sqrt-depth'",
});

const sigma = (what: string) =>
  num(0, 1e3).default(1).describe(`init σ of ${what} (entries N(0, σ²/fan_in))`);

/** Init σ per weight group; the model's defaults are all 1. */
export const initSchema = z
  .strictObject({
    q: sigma('W_Q'),
    k: sigma('W_K'),
    v: sigma('W_V'),
    o: sigma('W_O'),
    mlp: sigma('both MLP weights (unless mlp1 or mlp2 is set)'),
    mlp1: num(0, 1e3)
      .optional()
      .describe('init σ of the MLP’s W₁ alone (He init for ReLU: 1.414); default: as mlp'),
    mlp2: num(0, 1e3).optional().describe('init σ of the MLP’s W₂ alone; default: as mlp'),
    embed: num(0, 1e3).default(1).describe('init σ of token embeddings and positions (entries N(0, σ²))'),
    head: sigma('the output head'),
  })
  .prefault({});

/** The fields of a settings sweep (an experiment adds its own, e.g. `depth`). */
export const settingsShape = {
  n: int(2, 4096).default(32).describe('tokens per sequence'),
  dModel: int(1, 8192).default(128).describe('token width d'),
  heads: int(1, 256).default(4).describe('attention heads (they must divide dModel)'),
  seeds: int(1, 1000).default(3).describe('seeds per setting (weights and input both change with the seed)'),
  seed: seedField(),
  norms: nonEmpty(normSchema).default(['post', 'pre', 'none']).describe('LayerNorm placements'),
  scales: nonEmpty(scaleSchema)
    .default([1, 'inv-sqrt-depth'])
    .describe('residual scales α: numbers, or inv-sqrt-depth for 1/√L'),
  mlp: nonEmpty(z.boolean()).default([false, true]).describe('blocks without and/or with an MLP'),
  mlpHidden: int(1, 65536).optional().describe('the MLP’s hidden width; default: 4·dModel'),
  valueDim: int(1, 8192)
    .optional()
    .describe('width of each head’s values d_v (W_V is d × heads·d_v); default: the key width dModel/heads'),
  outputProjection: z
    .boolean()
    .optional()
    .describe(
      'the output projection W_O; false: the heads’ values side by side are the output (heads·valueDim = dModel); default: true',
    ),
  normAffine: z
    .boolean()
    .optional()
    .describe('learned LayerNorm gain and bias (gradients for them too); default: true'),
  normEps: num(0, 1).optional().describe('LayerNorm ε; default: 1e-5'),
  finalNorm: z
    .boolean()
    .optional()
    .describe('a LayerNorm after the last block; default: true for pre, false otherwise'),
  attention: oneOf(['softmax', 'uniform', 'identity'])
    .default('softmax')
    .describe(
      'softmax; uniform maps forced to 1/n, or identity maps (each token attends to itself); with both W_Q and W_K are unused (gradients 0; for ∂W_Q at uniform attention keep softmax with --init-q 0)',
    ),
  rho0: num(0, 0.999).default(0).describe('correlation of the input tokens'),
  init: initSchema,
};

/** Attention heads split the width: a refinement every schema with `heads` and `dModel` adds. */
export function headsDivideWidth(config: { heads: number; dModel: number }, ctx: z.RefinementCtx): void {
  if (config.dModel % config.heads !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['heads'],
      message: `must be a divisor of dModel = ${config.dModel}`,
      input: config.heads,
    });
  }
}

/** The same for a sweep over widths: heads must divide every one of them. */
export function headsDivideWidths(
  config: { heads: number; widths: readonly number[] },
  ctx: z.RefinementCtx,
): void {
  const bad = config.widths.find((w) => w % config.heads !== 0);
  if (bad !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['heads'],
      message: `must divide every width; ${config.heads} does not divide ${bad}`,
      input: config.heads,
    });
  }
}

/** The schema of a per-layer experiment: the settings plus a depth. */
export const depthSettingsSchema = z
  .strictObject({ ...settingsShape, depth: int(1, 1024).default(12).describe('blocks L') })
  .superRefine(headsDivideWidth);

/** A settings config as the runners use it (every default filled in). */
export type ResolvedSettings = Omit<z.output<typeof depthSettingsSchema>, 'depth'>;

/** One point of the sweep. */
export interface Setting {
  norm: NormPlacement;
  scale: ResidualScale;
  mlp: boolean;
  /** e.g. `post · α=1/√L · attention only`: the cells' keys (never a data column). */
  label: string;
}

/** How a residual scale was chosen: a fixed number, or 1/√L (a number that depends on the depth). */
export type ScaleKind = 'constant' | 'inv-sqrt-depth';

/** The columns that say which setting a row belongs to: values, not labels. */
export interface SettingColumns {
  norm: NormPlacement;
  /** `inv-sqrt-depth`: α = 1/√L; `constant`: α as given. */
  scaleKind: ScaleKind;
  /** The residual scale α the model ran with (1/√L evaluated at the row's depth). */
  residualScale: number;
  mlp: boolean;
}

/** The residual scale as figures write it: `α=1/√L`, `α=0.5`. */
export function scaleLabel(
  scale: ResidualScale | Pick<SettingColumns, 'scaleKind' | 'residualScale'>,
): string {
  if (typeof scale === 'object')
    return scale.scaleKind === 'inv-sqrt-depth' ? 'α=1/√L' : `α=${scale.residualScale}`;
  return scale === 'inv-sqrt-depth' ? 'α=1/√L' : `α=${scale}`;
}

/** A setting as figures and cell keys write it: `post · α=1/√L · MLP` (`norm` replaces the placement's name, e.g. `post-LN`). */
export function settingLabel(s: SettingColumns, norm: string = s.norm): string {
  return labelOf(norm, scaleLabel(s), s.mlp);
}

/** `post · α=1/√L · MLP`: the one way settings are written, for cell keys and figures alike. */
function labelOf(norm: string, scale: string, mlp: boolean): string {
  return `${norm} · ${scale} · ${mlp ? 'MLP' : 'attention only'}`;
}

/** A key that tells settings apart (for grouping rows; not shown). */
export function settingKey(s: SettingColumns): string {
  return `${s.norm}|${s.scaleKind}|${s.scaleKind === 'constant' ? s.residualScale : ''}|${s.mlp}`;
}

/** Whether a row ran with residual scale `scale` (a number, or `inv-sqrt-depth`). */
export function hasScale(
  row: Pick<SettingColumns, 'scaleKind' | 'residualScale'>,
  scale: ResidualScale,
): boolean {
  return scale === 'inv-sqrt-depth'
    ? row.scaleKind === 'inv-sqrt-depth'
    : row.scaleKind === 'constant' && row.residualScale === scale;
}

export function settingsOf(s: Pick<ResolvedSettings, 'norms' | 'scales' | 'mlp'>): Setting[] {
  const out: Setting[] = [];
  for (const norm of s.norms) {
    for (const scale of s.scales) {
      for (const mlp of s.mlp)
        out.push({
          norm,
          scale,
          mlp,
          label: labelOf(norm, scaleLabel(scale), mlp),
        });
    }
  }
  return out;
}

/** The transformer config of a setting at a depth. */
export function modelConfig(s: ResolvedSettings, setting: Setting, depth: number): TransformerConfig {
  return {
    dModel: s.dModel,
    depth,
    heads: s.heads,
    norm: setting.norm,
    mlp: setting.mlp && s.mlpHidden !== undefined ? { hidden: s.mlpHidden } : setting.mlp,
    residualScale: setting.scale,
    attention: s.attention,
    init: s.init,
    ...(s.valueDim === undefined ? {} : { valueDim: s.valueDim }),
    ...(s.outputProjection === undefined ? {} : { outputProjection: s.outputProjection }),
    ...(s.normAffine === undefined ? {} : { normAffine: s.normAffine }),
    ...(s.normEps === undefined ? {} : { normEps: s.normEps }),
    ...(s.finalNorm === undefined ? {} : { finalNorm: s.finalNorm }),
  };
}

/**
 * The memory of a settings sweep's largest cell: every setting at each of `depths`, on `s.n` tokens
 * (the `memory` of the propagation and gradient experiments).
 */
export function settingsMemory(s: ResolvedSettings, depths: readonly number[], mode: MemoryMode): MemoryNeed {
  return largestCell(
    settingsOf(s).flatMap((setting) =>
      depths.map((depth) => ({ config: modelConfig(s, setting, depth), tokens: s.n, label: setting.label })),
    ),
    mode,
  );
}

/** The columns every row of a settings sweep starts with, for a model of `depth` blocks. */
export function rowBase(setting: Pick<Setting, 'norm' | 'scale' | 'mlp'>, depth: number): SettingColumns {
  return {
    norm: setting.norm,
    scaleKind: setting.scale === 'inv-sqrt-depth' ? 'inv-sqrt-depth' : 'constant',
    residualScale: setting.scale === 'inv-sqrt-depth' ? 1 / Math.sqrt(depth) : setting.scale,
    mlp: setting.mlp,
  };
}
