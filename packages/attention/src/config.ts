/**
 * The one config object of a transformer, and its validation.
 *
 * `resolveConfig` checks every field before any tensor is made and throws a single `E_CONFIG`
 * error that lists each bad field with its path, the allowed range and the value given. What it
 * returns has every default filled in, so a model's `config` says exactly what was built.
 */
import { AttentionError, type ConfigIssue, show } from './errors';

/** Where LayerNorm sits: after each residual sum (`post`), on each branch's input (`pre`), or nowhere. */
export type NormPlacement = 'post' | 'pre' | 'none';
/** The MLP's nonlinearity. `gelu` is the exact 0.5·x·(1 + erf(x/√2)). */
export type Activation = 'relu' | 'gelu';
/** A residual branch multiplier: a number, or 1/√depth. */
export type ResidualScale = number | 'inv-sqrt-depth';
/** Positional information added to the input tokens. */
export type Positional = 'none' | 'sinusoidal' | 'learned';
/**
 * `softmax`: the usual attention. `uniform`: the attention matrix is *forced* to 1/n over the keys a
 * query may see (the theory's uniform-attention assumption): W_Q and W_K are not used, so their
 * gradients are exactly zero. To measure ∂W_Q and ∂W_K *at* uniform attention (what the gradient
 * theory predicts), keep `softmax` and set `init.q: 0` (or `init.k: 0`): the logits are then zero,
 * the maps uniform, and the gradients flow through the logits. `identity`: each token attends to
 * itself only (S = I; W_Q and W_K unused too), the other regime with a closed-form kernel.
 */
export type AttentionKind = 'softmax' | 'uniform' | 'identity';

/** Init standard deviations σ per weight group: entries are N(0, σ²/fan_in), biases are zero. */
export interface InitStds {
  /** Queries W_Q. @defaultValue 1 */
  q?: number;
  /** Keys W_K. @defaultValue 1 */
  k?: number;
  /** Values W_V. @defaultValue 1 */
  v?: number;
  /** Attention output W_O. @defaultValue 1 */
  o?: number;
  /**
   * Both MLP weights, unless `mlp1` / `mlp2` set one of them. He init for a ReLU MLP is `mlp1: √2`
   * (W₁ only): √2 on both weights doubles the branch's variance. @defaultValue 1
   */
  mlp?: number;
  /** The MLP's first weight W₁ (input → hidden). @defaultValue `mlp` */
  mlp1?: number | undefined;
  /** The MLP's second weight W₂ (hidden → output). @defaultValue `mlp` */
  mlp2?: number | undefined;
  /** Token embedding and learned positions: entries N(0, σ²) (no fan-in), so ‖x‖² ≈ d·σ². @defaultValue 1 */
  embed?: number;
  /** Output head. @defaultValue 1 */
  head?: number;
}

/** The MLP sub-layer: act(X W₁ + b₁) W₂ + b₂. */
export interface MlpConfig {
  /** Hidden width d_ff. @defaultValue 4 · dModel */
  hidden?: number;
  /** @defaultValue 'relu' */
  activation?: Activation;
}

/** Everything that defines a transformer stack. Only `dModel` and `depth` are required. */
export interface TransformerConfig {
  /** Token width d. */
  dModel: number;
  /** Number of blocks L. */
  depth: number;
  /** Attention heads. @defaultValue 1 */
  heads?: number;
  /** Width of each head d_k. @defaultValue dModel / heads (which must then divide evenly) */
  headDim?: number;
  /** Width of each head's values d_v (W_V is `[d, heads·d_v]`). @defaultValue headDim */
  valueDim?: number;
  /**
   * The output projection W_O. `false`: the heads' outputs, side by side, are the sub-layer's
   * output (heads·valueDim must then equal dModel). @defaultValue true
   */
  outputProjection?: boolean;
  /** LayerNorm placement. @defaultValue 'post' */
  norm?: NormPlacement;
  /** LayerNorm epsilon. @defaultValue 1e-5 */
  normEps?: number;
  /** Learnable LayerNorm gain and bias. @defaultValue true */
  normAffine?: boolean;
  /** A LayerNorm after the last block. @defaultValue true for 'pre', false otherwise */
  finalNorm?: boolean;
  /** The MLP sub-layer (`true` for the defaults), or `false` for attention-only blocks. @defaultValue `{ hidden: 4·dModel, activation: 'relu' }` */
  mlp?: MlpConfig | boolean;
  /** Skip connections; `false` gives pure attention stacks (Dong et al. 2021). @defaultValue true */
  residual?: boolean;
  /** α for both branches, or `{ attn, mlp }` separately. @defaultValue 1 */
  residualScale?: ResidualScale | { attn?: ResidualScale; mlp?: ResidualScale };
  /** `'softmax'`, or `'uniform'` maps forced to 1/n (see `AttentionKind`: W_Q and W_K then get no gradient). @defaultValue 'softmax' */
  attention?: AttentionKind;
  /** Inverse temperature τ: logits are τ·QKᵀ/√d_k. @defaultValue 1 */
  tau?: number;
  /** Each query sees only itself and earlier keys. @defaultValue false */
  causal?: boolean;
  /** Init std per weight group (σ/√fan_in convention). */
  init?: InitStds;
  /** Token vocabulary: inputs are then integer ids `[batch, n]` looked up in an embedding. */
  vocabSize?: number;
  /** @defaultValue 'none' */
  positional?: Positional;
  /** Longest sequence; required for learned positions. */
  maxLength?: number;
  /** Width of a linear output head (e.g. classes); without it the model returns the last block's tokens. */
  outputs?: number;
}

/** A config with every default filled in and residual scales turned into numbers. */
export interface ResolvedConfig {
  readonly dModel: number;
  readonly depth: number;
  readonly heads: number;
  readonly headDim: number;
  readonly valueDim: number;
  readonly outputProjection: boolean;
  readonly norm: NormPlacement;
  readonly normEps: number;
  readonly normAffine: boolean;
  readonly finalNorm: boolean;
  readonly mlp: { readonly hidden: number; readonly activation: Activation } | false;
  readonly residual: boolean;
  readonly alphaAttn: number;
  readonly alphaMlp: number;
  readonly attention: AttentionKind;
  readonly tau: number;
  readonly causal: boolean;
  readonly init: Readonly<Record<keyof InitStds, number>>;
  readonly vocabSize: number | null;
  readonly positional: Positional;
  readonly maxLength: number | null;
  readonly outputs: number | null;
}

const TOP_KEYS = [
  'dModel',
  'depth',
  'heads',
  'headDim',
  'valueDim',
  'outputProjection',
  'norm',
  'normEps',
  'normAffine',
  'finalNorm',
  'mlp',
  'residual',
  'residualScale',
  'attention',
  'tau',
  'causal',
  'init',
  'vocabSize',
  'positional',
  'maxLength',
  'outputs',
] as const;
const INIT_KEYS = ['q', 'k', 'v', 'o', 'mlp', 'mlp1', 'mlp2', 'embed', 'head'] as const;
const MLP_KEYS = ['hidden', 'activation'] as const;
const SCALE_KEYS = ['attn', 'mlp'] as const;

/** Largest size accepted for widths, depths and lengths: far beyond what fits in memory, it catches typos. */
export const MAX_SIZE = 1 << 20;

class Checker {
  readonly issues: ConfigIssue[] = [];

  add(path: string, allowed: string, got: unknown): void {
    this.issues.push({ path, allowed, got: show(got) });
  }

  /** An integer in [min, MAX_SIZE], or undefined (then `fallback`). */
  int(path: string, value: unknown, min: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_SIZE) {
      this.add(path, `an integer from ${min} to ${MAX_SIZE}`, value);
      return fallback;
    }
    return value;
  }

  /** A finite number ≥ min (or > min when `open`). */
  num(path: string, value: unknown, min: number, open: boolean, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || (open ? value <= min : value < min)) {
      this.add(path, `a finite number ${open ? '>' : '≥'} ${min}`, value);
      return fallback;
    }
    return value;
  }

  bool(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.add(path, 'true or false', value);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.add(path, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
      return fallback;
    }
    return value as T;
  }

  /** A plain object with only the known keys (each unknown key is an issue, with a suggestion). */
  object(path: string, value: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.add(path || 'config', 'an object', value);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) {
        const near = suggest(key, keys);
        this.add(
          path ? `${path}.${key}` : key,
          `a known field${near ? ` (did you mean '${near}'?)` : ''}; known: ${keys.join(', ')}`,
          (value as Record<string, unknown>)[key],
        );
      }
    }
    return value as Record<string, unknown>;
  }
}

/**
 * Validates a config and fills in its defaults.
 *
 * @throws {AttentionError} `E_CONFIG` listing every bad field (`error.issues`).
 */
export function resolveConfig(config: TransformerConfig): ResolvedConfig {
  const c = new Checker();
  const raw = c.object('', config, TOP_KEYS);
  if (!raw) throw configError(c.issues);

  if (raw.dModel === undefined) c.add('dModel', `an integer from 1 to ${MAX_SIZE} (required)`, undefined);
  if (raw.depth === undefined) c.add('depth', `an integer from 1 to ${MAX_SIZE} (required)`, undefined);
  const dModel = c.int('dModel', raw.dModel, 1, 1);
  const depth = c.int('depth', raw.depth, 1, 1);
  const heads = c.int('heads', raw.heads, 1, 1);
  let headDim: number;
  if (raw.headDim === undefined) {
    headDim = Math.max(1, Math.floor(dModel / heads));
    if (dModel % heads !== 0 && c.issues.every((i) => i.path !== 'dModel' && i.path !== 'heads')) {
      c.add('heads', `a divisor of dModel = ${dModel} (or set headDim)`, heads);
    }
  } else {
    headDim = c.int('headDim', raw.headDim, 1, 1);
  }
  const valueDim = raw.valueDim === undefined ? headDim : c.int('valueDim', raw.valueDim, 1, 1);
  const outputProjection = c.bool('outputProjection', raw.outputProjection, true);
  if (!outputProjection && heads * valueDim !== dModel && c.issues.length === 0) {
    c.add(
      'outputProjection',
      `true, or heads·valueDim = dModel (the heads' outputs are the sub-layer's output): ${heads}·${valueDim} ≠ ${dModel}`,
      false,
    );
  }

  const norm = c.oneOf<NormPlacement>('norm', raw.norm, ['post', 'pre', 'none'], 'post');
  const normEps = c.num('normEps', raw.normEps, 0, true, 1e-5);
  const normAffine = c.bool('normAffine', raw.normAffine, true);
  const finalNorm = c.bool('finalNorm', raw.finalNorm, norm === 'pre');

  let mlp: ResolvedConfig['mlp'] = { hidden: 4 * dModel, activation: 'relu' };
  if (raw.mlp === false) mlp = false;
  else if (raw.mlp !== undefined && raw.mlp !== true) {
    const m = c.object('mlp', raw.mlp, MLP_KEYS);
    if (m) {
      mlp = {
        hidden: c.int('mlp.hidden', m.hidden, 1, 4 * dModel),
        activation: c.oneOf<Activation>('mlp.activation', m.activation, ['relu', 'gelu'], 'relu'),
      };
    }
  }

  const residual = c.bool('residual', raw.residual, true);
  const scale = (path: string, value: unknown): number => {
    if (value === undefined) return 1;
    if (value === 'inv-sqrt-depth') return 1 / Math.sqrt(depth);
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    c.add(path, "a finite number ≥ 0 or 'inv-sqrt-depth'", value);
    return 1;
  };
  let alphaAttn = 1;
  let alphaMlp = 1;
  const rs = raw.residualScale;
  if (rs !== null && typeof rs === 'object' && !Array.isArray(rs)) {
    const s = c.object('residualScale', rs, SCALE_KEYS);
    alphaAttn = scale('residualScale.attn', s?.attn);
    alphaMlp = scale('residualScale.mlp', s?.mlp);
  } else {
    alphaAttn = alphaMlp = scale('residualScale', rs);
  }

  const attention = c.oneOf<AttentionKind>(
    'attention',
    raw.attention,
    ['softmax', 'uniform', 'identity'],
    'softmax',
  );
  const tau = c.num('tau', raw.tau, 0, false, 1);
  const causal = c.bool('causal', raw.causal, false);

  const init = { q: 1, k: 1, v: 1, o: 1, mlp: 1, mlp1: 1, mlp2: 1, embed: 1, head: 1 };
  if (raw.init !== undefined) {
    const i = c.object('init', raw.init, INIT_KEYS);
    if (i) {
      for (const key of INIT_KEYS) {
        if (key === 'mlp1' || key === 'mlp2') continue;
        init[key] = c.num(`init.${key}`, i[key], 0, false, 1);
      }
      // W₁ and W₂ follow `mlp` unless set on their own.
      init.mlp1 = c.num('init.mlp1', i.mlp1, 0, false, init.mlp);
      init.mlp2 = c.num('init.mlp2', i.mlp2, 0, false, init.mlp);
    }
  }

  const vocabSize = raw.vocabSize === undefined ? null : c.int('vocabSize', raw.vocabSize, 1, 1);
  const positional = c.oneOf<Positional>(
    'positional',
    raw.positional,
    ['none', 'sinusoidal', 'learned'],
    'none',
  );
  const maxLength = raw.maxLength === undefined ? null : c.int('maxLength', raw.maxLength, 1, 1);
  if (positional === 'learned' && raw.maxLength === undefined) {
    c.add('maxLength', "an integer ≥ 1 (required with positional: 'learned')", undefined);
  }
  const outputs = raw.outputs === undefined ? null : c.int('outputs', raw.outputs, 1, 1);

  if (c.issues.length > 0) throw configError(c.issues);
  return {
    dModel,
    depth,
    heads,
    headDim,
    valueDim,
    outputProjection,
    norm,
    normEps,
    normAffine,
    finalNorm,
    mlp,
    residual,
    alphaAttn,
    alphaMlp,
    attention,
    tau,
    causal,
    init,
    vocabSize,
    positional,
    maxLength,
    outputs,
  };
}

function configError(issues: ConfigIssue[]): AttentionError {
  const lines = issues.map((i) => `  - ${i.path || 'config'} must be ${i.allowed}, got ${i.got}`);
  const head =
    issues.length === 1
      ? `invalid transformer config: ${lines[0]!.slice(4)}`
      : `invalid transformer config (${issues.length} problems):\n${lines.join('\n')}`;
  return new AttentionError('E_CONFIG', head, issues);
}

/** The known key closest to a misspelt one (edit distance ≤ 2, or a case-insensitive match). */
function suggest(key: string, keys: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of keys) {
    if (k.toLowerCase() === key.toLowerCase()) return k;
    const d = editDistance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
