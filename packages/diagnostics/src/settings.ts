/**
 * The model settings the propagation experiments sweep: LayerNorm placement × residual scale ×
 * with/without MLP, on one token width and sequence length.
 */
import type { InitStds, NormPlacement, ResidualScale, TransformerConfig } from '@trainlab/attention';
import { ConfigCheck, isNum, isOneOf, MAX_SEED } from './runner';

/** The model settings an experiment sweeps (LayerNorm placements, residual scales, MLP on/off) and their sizes. */
export interface SettingsConfig {
  /** Tokens per sequence. @defaultValue 32 */
  n?: number;
  /** Token width. @defaultValue 128 */
  dModel?: number;
  /** @defaultValue 4 */
  heads?: number;
  /** Seeds per setting (weights and input both change with the seed). @defaultValue 3 */
  seeds?: number;
  /** The first seed; a run uses seed, seed + 1, … @defaultValue 0 */
  seed?: number;
  /** @defaultValue ['post', 'pre', 'none'] */
  norms?: NormPlacement[];
  /** Residual scales α. @defaultValue [1, 'inv-sqrt-depth'] */
  scales?: ResidualScale[];
  /** Blocks with and/or without an MLP. @defaultValue [false, true] */
  mlp?: boolean[];
  /** @defaultValue 'softmax' */
  attention?: 'softmax' | 'uniform';
  /** Correlation of the input tokens. @defaultValue 0 */
  rho0?: number;
  /** Init σ per group. @defaultValue all 1 */
  init?: InitStds;
}

export const SETTINGS_KEYS = [
  'n',
  'dModel',
  'heads',
  'seeds',
  'seed',
  'norms',
  'scales',
  'mlp',
  'attention',
  'rho0',
  'init',
] as const;

/** Settings with every default filled in, as the runners use them. */
export interface ResolvedSettings {
  n: number;
  dModel: number;
  heads: number;
  seeds: number;
  seed: number;
  norms: NormPlacement[];
  scales: ResidualScale[];
  mlp: boolean[];
  attention: 'softmax' | 'uniform';
  rho0: number;
  init: InitStds;
}

/** One point of the sweep. */
export interface Setting {
  norm: NormPlacement;
  scale: ResidualScale;
  mlp: boolean;
  /** e.g. `post · α=1/√L · MLP`. */
  label: string;
}

export function resolveSettings(check: ConfigCheck, raw: SettingsConfig): ResolvedSettings {
  const n = check.int('n', raw.n, 2, 4096, 32);
  const dModel = check.int('dModel', raw.dModel, 1, 8192, 128);
  const heads = check.heads(raw.heads, dModel, 4);
  return {
    n,
    dModel,
    heads,
    seeds: check.int('seeds', raw.seeds, 1, 1000, 3),
    seed: check.int('seed', raw.seed, 0, MAX_SEED, 0),
    norms: check.list('norms', raw.norms, isOneOf(['post', 'pre', 'none']), "'post' | 'pre' | 'none'", [
      'post',
      'pre',
      'none',
    ]),
    scales: check.list(
      'scales',
      raw.scales,
      (v) => v === 'inv-sqrt-depth' || isNum(0, 1e6)(v),
      "numbers ≥ 0 or 'inv-sqrt-depth'",
      [1, 'inv-sqrt-depth'],
    ),
    mlp: check.list('mlp', raw.mlp, (v) => typeof v === 'boolean', 'booleans', [false, true]),
    attention: check.oneOf<'softmax' | 'uniform'>(
      'attention',
      raw.attention,
      ['softmax', 'uniform'],
      'softmax',
    ),
    rho0: check.num('rho0', raw.rho0, 0, 0.999, 0),
    init: raw.init ?? {},
  };
}

export function scaleLabel(scale: ResidualScale): string {
  return scale === 'inv-sqrt-depth' ? 'α=1/√L' : `α=${scale}`;
}

export function settingsOf(s: ResolvedSettings): Setting[] {
  const out: Setting[] = [];
  for (const norm of s.norms) {
    for (const scale of s.scales) {
      for (const mlp of s.mlp)
        out.push({
          norm,
          scale,
          mlp,
          label: `${norm} · ${scaleLabel(scale)} · ${mlp ? 'MLP' : 'attention only'}`,
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
    mlp: setting.mlp,
    residualScale: setting.scale,
    attention: s.attention,
    init: s.init,
  };
}

/** Validates the config of a per-layer experiment: the settings plus a depth (default 12). */
export function resolveDepthSettings(
  experiment: string,
  config: SettingsConfig & { depth?: number },
): ResolvedSettings & { depth: number } {
  const check = new ConfigCheck(experiment);
  check.keys(config, [...SETTINGS_KEYS, 'depth']);
  const s = resolveSettings(check, config);
  const depth = check.int('depth', config.depth, 1, 1024, 12);
  check.done();
  return { ...s, depth };
}

/** The columns every row of a settings sweep starts with. */
export function rowBase(setting: Setting) {
  return { setting: setting.label, norm: setting.norm, scale: scaleLabel(setting.scale), mlp: setting.mlp };
}
