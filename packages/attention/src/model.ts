/**
 * A stack of transformer blocks with named, grouped parameters and taps on every sub-layer.
 *
 * Block kinds (Noci et al. 2022, §2), with α the residual scales:
 * - `post`: Z = LN(X + α_attn·Attn(X)); Y = LN(Z + α_mlp·MLP(Z))
 * - `pre`:  Z = X + α_attn·Attn(LN X);  Y = Z + α_mlp·MLP(LN Z)   (optional final LN)
 * - `none`: Z = X + α_attn·Attn(X);     Y = Z + α_mlp·MLP(Z)
 * Without an MLP a block stops at Z; without residuals the sums drop X and Z (pure attention).
 */
import { matmul, type Seed, type Tensor, tf } from '@trainlab/tensor';
import { type ResolvedConfig, resolveConfig, type TransformerConfig } from './config';
import { AttentionError, invalid, shapeError, show } from './errors';
import { attentionBias, layerNorm, mlp, multiHeadAttention, sinusoidalPositions } from './layers';
import {
  type BlockParams,
  type LayerNormParams,
  type ModelParams,
  makeParameters,
  type Parameter,
} from './params';

/** Which intermediate tensors a forward pass keeps. */
export type TapName = 'input' | 'attnIn' | 'attn' | 'mid' | 'mlp' | 'output' | 'maps';

/** All tap names. */
export const TAP_NAMES: readonly TapName[] = ['input', 'attnIn', 'attn', 'mid', 'mlp', 'output', 'maps'];

/** Which intermediate tensors `forward` keeps (and returns) per layer. */
export interface TapOptions {
  /** Blocks to record (0-based). @defaultValue every block */
  layers?: readonly number[];
  /** What to record. @defaultValue every tap */
  include?: readonly TapName[];
}

/** The recorded tensors of one block, shaped like the model's input (batch axis kept or not). */
export interface BlockTaps {
  /**
   * The block's index in `model.blocks` (0 = the first block). The experiments' outputs count
   * blocks from 1 (layer 0 is the input there, layer ℓ the output of block ℓ): add 1 to compare.
   */
  readonly layer: number;
  /** The block's input X. */
  input?: Tensor;
  /**
   * What the attention sub-layer sees: LN₁(X) for `pre`, X itself otherwise (then a tensor of its
   * own, not the `input` tap's). Use it to study the attention sub-layer alone without rebuilding
   * the block's wiring.
   */
  attnIn?: Tensor;
  /** The attention sub-layer's output Attn(·), before α and the residual sum. */
  attn?: Tensor;
  /** The stream after the attention residual (and its LayerNorm for `post`): Z. */
  mid?: Tensor;
  /** The MLP sub-layer's output MLP(·), before α and the residual sum (absent without an MLP). */
  mlp?: Tensor;
  /** The block's output Y. */
  output?: Tensor;
  /** Attention maps `[batch, heads, n, n]` (rows sum to 1). */
  maps?: Tensor;
}

/** A model input: embeddings `[batch, n, d]` / `[n, d]`, or integer ids `[batch, n]` / `[n]` with a vocabulary. */
export type ModelInput = Tensor | number[] | number[][] | number[][][];

/** Options of `Transformer.forward`: a key-padding mask and which intermediate tensors to tap. */
export interface ForwardOptions {
  /** Key-padding mask `[batch, n]` (or `[n]`): 1 keeps a token, 0 hides it as a key. */
  mask?: Tensor | number[] | number[][];
  /** Record intermediate tensors (`true` for all of them). @defaultValue false */
  taps?: boolean | TapOptions;
}

/** What `forward` returns; the caller owns the tensors (`dispose()` frees them all). */
export interface ForwardResult {
  /** Tokens `[batch, n, d]` or head outputs `[batch, n, outputs]` (no batch axis if the input had none). */
  output: Tensor;
  /** One entry per recorded block, in order. Empty unless taps were asked for. */
  taps: BlockTaps[];
  dispose(): void;
}

/** Options of `createTransformer`: the seed its weights are drawn from. */
export interface CreateOptions {
  /** Seed of the weights; each parameter draws from the stream named after it. @defaultValue 0 */
  seed?: Seed;
}

let modelCount = 0;

/**
 * A transformer whose weights are tfjs variables. Create it with `createTransformer`; call
 * `dispose()` when done.
 */
export class Transformer {
  readonly config: ResolvedConfig;
  readonly seed: Seed;
  readonly parameters: readonly Parameter[];
  /**
   * The same weights by where they sit: `blocks[l]` is `{ ln1?, attn: { wq, wk, wv, wo }, ln2?, mlp? }`
   * (a LayerNorm entry exists where the block applies one; its gain and bias where they are learned).
   */
  readonly blocks: readonly BlockParams[];
  private readonly tree: ModelParams;
  private readonly byName: Map<string, Parameter>;
  private readonly id: number;
  private disposed = false;

  /** Use `createTransformer`. */
  constructor(config: ResolvedConfig, seed: Seed) {
    this.config = config;
    this.seed = seed;
    this.id = ++modelCount;
    const made = makeParameters(config, seed, this.id);
    this.parameters = made.list;
    this.tree = made.tree;
    this.blocks = made.tree.blocks;
    this.byName = new Map(this.parameters.map((p) => [p.name, p]));
  }

  /** Number of scalar weights. */
  get size(): number {
    return this.parameters.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** The parameter with this name. @throws {AttentionError} `E_UNKNOWN_PARAMETER` naming close matches. */
  param(name: string): Parameter {
    const p = this.byName.get(name);
    if (!p) {
      const prefix = name.split('.').slice(0, 2).join('.');
      const near = this.parameters.filter((q) => q.name.startsWith(prefix)).map((q) => q.name);
      throw new AttentionError(
        'E_UNKNOWN_PARAMETER',
        `no parameter named ${show(name)}; ${near.length ? `near: ${near.slice(0, 8).join(', ')}` : `there are ${this.parameters.length}, e.g. ${this.parameters[0]?.name}`}`,
      );
    }
    return p;
  }

  /** Runs the model. Taps cost nothing unless asked for: the tensors exist anyway and are only kept. */
  forward(input: ModelInput, options: ForwardOptions = {}): ForwardResult {
    this.checkAlive();
    const plan = tapPlan(options.taps, this.config.depth);
    const result = tf.tidy(() => {
      const { x, mask, batched } = this.prepare(input, options.mask);
      const taps: BlockTaps[] = [];
      const output = this.run(x, mask, plan, taps);
      const unbatch = (t: Tensor): Tensor => (batched ? t : tf.squeeze(t, [0]));
      const shaped = taps.map((t) => {
        const out: BlockTaps = { layer: t.layer };
        for (const name of TAP_NAMES) {
          const v = t[name];
          if (v) out[name] = unbatch(v);
        }
        return out;
      });
      return { output: unbatch(output), taps: shaped } as never;
    });
    const { output, taps } = result as unknown as { output: Tensor; taps: BlockTaps[] };
    return {
      output,
      taps,
      dispose: () => {
        output.dispose();
        for (const t of taps) for (const name of TAP_NAMES) t[name]?.dispose();
      },
    };
  }

  /**
   * The forward pass as a plain tensor function, for use inside `tf.tidy` / gradient code: takes
   * the batched input `prepareInput` returns (ids or vectors) and returns the batched output.
   * Does not tidy.
   */
  apply(x: Tensor, mask: Tensor | null = null, probes?: ReadonlyMap<string, Tensor>): Tensor {
    this.checkAlive();
    return this.run(x, mask, null, [], probes);
  }

  /**
   * Checks an input and turns it into the tensors `apply` takes: `x` with a batch axis (int32 ids
   * or float32 vectors), the mask as `[batch, n]` floats (or null). The caller disposes them.
   *
   * @throws {AttentionError} `E_SHAPE` / `E_INVALID_ARGUMENT` for an input that does not fit the model.
   */
  prepareInput(
    input: ModelInput,
    mask?: ForwardOptions['mask'],
  ): { x: Tensor; mask: Tensor | null; batched: boolean } {
    this.checkAlive();
    return tf.tidy(() => {
      const r = this.prepare(input, mask);
      return { x: r.x, mask: r.mask, batched: r.batched } as never;
    }) as { x: Tensor; mask: Tensor | null; batched: boolean };
  }

  /** Copies every weight out as `{ name: Float32Array }` (for saving or comparing). */
  weights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const p of this.parameters) out[p.name] = p.variable.dataSync() as Float32Array;
    return out;
  }

  /** Overwrites weights by name (a subset is fine). @throws {AttentionError} for unknown names or wrong sizes. */
  setWeights(values: Record<string, ArrayLike<number>>): void {
    this.checkAlive();
    for (const [name, value] of Object.entries(values)) {
      const p = this.param(name);
      const size = p.shape.reduce((a, b) => a * b, 1);
      if (value.length !== size) {
        throw shapeError(`setWeights: ${name} has ${size} entries [${p.shape}], got ${value.length}`);
      }
      tf.tidy(() => p.variable.assign(tf.tensor(Float32Array.from(value), p.shape as number[])));
    }
  }

  /** Frees every weight. The model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.parameters) p.variable.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new AttentionError('E_INVALID_ARGUMENT', 'this model has been disposed');
  }

  private prepare(
    input: ModelInput,
    maskInput: ForwardOptions['mask'],
  ): { x: Tensor; mask: Tensor | null; batched: boolean } {
    const c = this.config;
    const t = input instanceof tf.Tensor ? input : toTensor('input', input, c.vocabSize !== null);
    let x: Tensor;
    let batched: boolean;
    if (c.vocabSize !== null) {
      if (t.rank !== 1 && t.rank !== 2) {
        throw shapeError(
          `input must be token ids [batch, n] or [n] (vocabSize is set), got shape [${t.shape}]`,
        );
      }
      batched = t.rank === 2;
      // Read the ids as given (before any cast), so 2.5 or NaN is named rather than truncated.
      const values =
        input instanceof tf.Tensor || !Array.isArray(input) ? t.dataSync() : (input as unknown[]).flat(2);
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        if (!Number.isInteger(v) || v < 0 || v >= c.vocabSize) {
          throw invalid(`input token ${i}`, `an integer id from 0 to ${c.vocabSize - 1}`, v);
        }
      }
      x = tf.cast(batched ? t : tf.expandDims(t, 0), 'int32');
    } else {
      if (t.rank !== 2 && t.rank !== 3) {
        throw shapeError(`input must be [batch, n, ${c.dModel}] or [n, ${c.dModel}], got shape [${t.shape}]`);
      }
      if (t.shape[t.rank - 1] !== c.dModel) {
        throw shapeError(`input's last axis must be dModel = ${c.dModel}, got shape [${t.shape}]`);
      }
      batched = t.rank === 3;
      x = tf.cast(batched ? t : tf.expandDims(t, 0), 'float32');
      const values = x.dataSync();
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i]!)) throw invalid(`input entry ${i}`, 'a finite number', values[i]);
      }
    }
    const [batch, n] = x.shape as [number, number];
    if (n < 1) throw shapeError('input must have at least one token');
    if (c.maxLength !== null && n > c.maxLength) {
      throw shapeError(`input has ${n} tokens, more than maxLength = ${c.maxLength}`);
    }

    let mask: Tensor | null = null;
    if (maskInput !== undefined) {
      const m = maskInput instanceof tf.Tensor ? maskInput : toTensor('mask', maskInput, false);
      const expected = batched ? [batch, n] : [n];
      if (m.rank !== expected.length || m.shape.some((s, i) => s !== expected[i])) {
        throw shapeError(`mask must have shape [${expected}] (1 = token, 0 = padding), got [${m.shape}]`);
      }
      const flags = m.dataSync();
      for (let i = 0; i < flags.length; i++) {
        if (flags[i] !== 0 && flags[i] !== 1) {
          throw invalid(`mask entry ${i}`, '0 (padding) or 1 (token)', flags[i]);
        }
      }
      mask = tf.cast(batched ? m : tf.expandDims(m, 0), 'float32');
    }
    return { x, mask, batched };
  }

  /** Embeds (ids → vectors, plus positions): what the first block sees. */
  private embed(input: Tensor): Tensor {
    const c = this.config;
    const n = input.shape[1]!;
    // The lookup as oneHot(ids)·E: tfjs's gather gradient needs UnsortedSegmentSum, which the wasm
    // backend lacks, and the product stays on the fast GEMM path.
    const { tokens, positions } = this.tree.embed;
    let x = tokens ? matmul(tf.oneHot(input, c.vocabSize!), tokens) : input;
    if (c.positional === 'sinusoidal') x = tf.add(x, sinusoidalPositions(n, c.dModel));
    else if (positions) x = tf.add(x, tf.slice(positions, [0, 0], [n, -1]));
    return x;
  }

  private run(
    input: Tensor,
    mask: Tensor | null,
    plan: TapPlan | null,
    taps: BlockTaps[],
    probes?: ReadonlyMap<string, Tensor>,
  ): Tensor {
    const c = this.config;
    // A probe added at a tap point (zero in value) makes ∂L/∂probe = ∂L/∂(that tensor): gradient taps.
    const probe = (l: number, name: TapName, t: Tensor): Tensor => {
      const d = probes?.get(`${l}:${name}`);
      return d ? tf.add(t, d) : t;
    };
    const n = input.shape[1]!;
    const x0 = this.embed(input);
    const bias = attentionBias(n, mask, c.causal);
    const ln = (params: LayerNormParams | undefined, x: Tensor): Tensor =>
      layerNorm(x, c.normEps, params?.gamma, params?.beta);
    let x = x0;
    for (let l = 0; l < c.depth; l++) {
      const b = this.blocks[l]!;
      const rec = plan?.layers.has(l) ? plan.include : null;
      const t: BlockTaps = { layer: l };
      x = probe(l, 'input', x);
      if (rec?.has('input')) t.input = x;

      const attnIn = probe(l, 'attnIn', c.norm === 'pre' ? ln(b.ln1, x) : x);
      if (rec?.has('attnIn')) t.attnIn = attnIn === x ? tf.clone(x) : attnIn;
      const { output: attnOut, maps } = multiHeadAttention(attnIn, b.attn, {
        heads: c.heads,
        headDim: c.headDim,
        valueDim: c.valueDim,
        tau: c.tau,
        kind: c.attention,
        bias,
      });
      const a = probe(l, 'attn', attnOut);
      if (rec?.has('attn')) t.attn = a;
      if (rec?.has('maps')) t.maps = maps;
      let z = c.residual ? tf.add(x, scaled(a, c.alphaAttn)) : a;
      if (c.norm === 'post') z = ln(b.ln1, z);
      z = probe(l, 'mid', z);
      if (rec?.has('mid')) t.mid = z;

      let y = z;
      if (c.mlp && b.mlp) {
        const mlpIn = c.norm === 'pre' ? ln(b.ln2, z) : z;
        const m = probe(l, 'mlp', mlp(mlpIn, b.mlp, c.mlp.activation));
        if (rec?.has('mlp')) t.mlp = m;
        y = c.residual ? tf.add(z, scaled(m, c.alphaMlp)) : m;
        if (c.norm === 'post') y = ln(b.ln2, y);
      }
      y = probe(l, 'output', y);
      if (rec?.has('output')) t.output = y;
      if (rec) taps.push(t);
      x = y;
    }
    if (c.finalNorm) x = ln(this.tree.lnFinal, x);
    if (this.tree.head) x = tf.add(matmul(x, this.tree.head.w), this.tree.head.b);
    return x;
  }
}

function scaled(t: Tensor, alpha: number): Tensor {
  return alpha === 1 ? t : tf.mul(t, alpha);
}

export interface TapPlan {
  layers: Set<number>;
  include: Set<TapName>;
}

export function tapPlan(taps: ForwardOptions['taps'], depth: number): TapPlan | null {
  if (taps === undefined || taps === false) return null;
  if (taps === true) return { layers: new Set(range(depth)), include: new Set(TAP_NAMES) };
  if (taps === null || typeof taps !== 'object')
    throw invalid('taps', 'a boolean or { layers, include }', taps);
  const layers = taps.layers ?? range(depth);
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= depth) {
      throw invalid('taps.layers', `block indices from 0 to ${depth - 1}`, taps.layers);
    }
  }
  const include = taps.include ?? TAP_NAMES;
  for (const name of include) {
    if (!TAP_NAMES.includes(name))
      throw invalid('taps.include', `tap names among ${TAP_NAMES.join(', ')}`, name);
  }
  return { layers: new Set(layers), include: new Set(include) };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function toTensor(what: string, value: unknown, ints: boolean): Tensor {
  if (!Array.isArray(value)) throw invalid(what, 'a tensor or a nested array of numbers', value);
  try {
    return tf.tensor(value as number[], undefined, ints ? 'int32' : 'float32');
  } catch (error) {
    throw invalid(what, 'a rectangular nested array of numbers', `${(error as Error).message}`);
  }
}

/**
 * Validates `config` (every bad field is reported at once, before any tensor is made) and builds
 * the model with weights drawn from `seed`.
 *
 * @example
 * ```ts
 * const model = createTransformer({ dModel: 64, depth: 12, heads: 4, norm: 'post', residualScale: 'inv-sqrt-depth' }, { seed: 1 });
 * ```
 * @throws {AttentionError} `E_CONFIG` listing every bad field.
 */
export function createTransformer(config: TransformerConfig, options: CreateOptions = {}): Transformer {
  const resolved = resolveConfig(config);
  const seed = options.seed ?? 0;
  if (!(typeof seed === 'string' || (typeof seed === 'number' && Number.isFinite(seed)))) {
    throw invalid('options.seed', 'a finite number or a string', seed);
  }
  return new Transformer(resolved, seed);
}
