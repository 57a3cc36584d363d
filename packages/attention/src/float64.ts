/**
 * The model again, in float64 with plain loops (no TensorFlow.js), written from the definitions of
 * the rank-collapse paper independently of the tfjs code: a second implementation to check the
 * first against, and a path where "exactly zero" means zero. TensorFlow.js computes in float32, so a
 * quantity that is zero in exact arithmetic comes out as round-off (~1e-7 relative); here it comes
 * out as 0 whenever the computation makes it so (e.g. the gradients of W_Q and W_K when all tokens
 * are equal: the logits of every key are then the same float64 number).
 *
 * `forwardFloat64(model, input)` runs a model's own weights (read once, float32 values widened);
 * `gradientsFloat64(model, input, loss)` takes central differences of a float64 loss of the output,
 * two forward passes per weight entry, so it is for small models (`maxEntries`).
 */
import type { ResolvedConfig } from './config';
import { AttentionError } from './errors';
import type { Transformer } from './model';

/** Weights by parameter name, in float64. */
export type Float64Weights = Record<string, Float64Array>;

/** An input for the float64 path: `batch` sequences of `n` tokens, as vectors or as ids. */
export interface Float64Input {
  batch: number;
  n: number;
  /** Token vectors `[batch·n·d]`, row-major (models without a vocabulary) … */
  x?: ArrayLike<number>;
  /** … or token ids `[batch·n]` (models with `vocabSize`). */
  ids?: ArrayLike<number>;
  /** Key-padding mask `[batch·n]`, 1 = keep, 0 = padding. */
  mask?: ArrayLike<number>;
}

const MASKED = -1e9;

/** erf to ~1e-15 on |x| < 6 (Taylor series; float64 has digits to spare for the cancellation). */
function erf(x: number): number {
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (-x * x) / k;
    const add = term / (2 * k + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** rows×k times k×cols, both row-major. */
function mm(a: Float64Array, b: Float64Array, rows: number, k: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p]!;
      if (v === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j]! += v * b[p * cols + j]!;
    }
  }
  return out;
}

function layerNorm(
  x: Float64Array,
  n: number,
  d: number,
  eps: number,
  gamma?: Float64Array,
  beta?: Float64Array,
) {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[i * d + j]!;
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[i * d + j]! - mean) ** 2;
    v /= d;
    const s = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < d; j++) {
      out[i * d + j] = (x[i * d + j]! - mean) * s * (gamma ? gamma[j]! : 1) + (beta ? beta[j]! : 0);
    }
  }
  return out;
}

function add(a: Float64Array, b: Float64Array, alpha = 1): Float64Array {
  return a.map((v, i) => v + alpha * b[i]!);
}

/** Multi-head attention of one sequence. */
function attention(
  c: ResolvedConfig,
  w: Float64Weights,
  p: string,
  x: Float64Array,
  n: number,
  keyMask: Float64Array | null,
): { out: Float64Array } {
  const { dModel: d, heads, headDim: dk, valueDim: dv } = c;
  const inner = heads * dk;
  const values = heads * dv;
  const q = mm(x, w[`${p}.attn.wq`]!, n, d, inner);
  const k = mm(x, w[`${p}.attn.wk`]!, n, d, inner);
  const v = mm(x, w[`${p}.attn.wv`]!, n, d, values);
  const joined = new Float64Array(n * values);
  const scale = c.tau / Math.sqrt(dk);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) {
      const logits = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let s = 0;
        if (c.attention === 'softmax') {
          for (let t = 0; t < dk; t++) s += q[i * inner + h * dk + t]! * k[j * inner + h * dk + t]!;
          s *= scale;
        }
        if (keyMask && keyMask[j] === 0) s += MASKED;
        if (c.causal && j > i) s += MASKED;
        logits[j] = s;
      }
      const max = Math.max(...logits);
      let z = 0;
      for (let j = 0; j < n; j++) z += Math.exp(logits[j]! - max);
      for (let j = 0; j < n; j++) {
        // identity attention: each token its own value
        const a = c.attention === 'identity' ? (i === j ? 1 : 0) : Math.exp(logits[j]! - max) / z;
        for (let t = 0; t < dv; t++) joined[i * values + h * dv + t]! += a * v[j * values + h * dv + t]!;
      }
    }
  }
  return { out: c.outputProjection ? mm(joined, w[`${p}.attn.wo`]!, n, values, d) : joined };
}

function mlp(c: ResolvedConfig, w: Float64Weights, p: string, x: Float64Array, n: number): Float64Array {
  if (!c.mlp) throw new Error('no mlp');
  const { hidden, activation } = c.mlp;
  const h = mm(x, w[`${p}.mlp.w1`]!, n, c.dModel, hidden);
  const b1 = w[`${p}.mlp.b1`]!;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < hidden; j++) {
      const u = h[i * hidden + j]! + b1[j]!;
      h[i * hidden + j] = activation === 'relu' ? Math.max(0, u) : 0.5 * u * (1 + erf(u / Math.SQRT2));
    }
  }
  const out = mm(h, w[`${p}.mlp.w2`]!, n, hidden, c.dModel);
  const b2 = w[`${p}.mlp.b2`]!;
  for (let i = 0; i < n; i++) for (let j = 0; j < c.dModel; j++) out[i * c.dModel + j]! += b2[j]!;
  return out;
}

/** The model's output `[batch·n·width]` (width = outputs or dModel). */
export function referenceForward(c: ResolvedConfig, w: Float64Weights, input: Float64Input): Float64Array {
  const { batch, n } = input;
  const d = c.dModel;
  const width = c.outputs ?? d;
  const out = new Float64Array(batch * n * width);
  for (let b = 0; b < batch; b++) {
    let x: Float64Array = new Float64Array(n * d);
    if (input.ids) {
      const e = w['embed.tokens']!;
      for (let i = 0; i < n; i++) {
        const id = input.ids[b * n + i]!;
        for (let j = 0; j < d; j++) x[i * d + j] = e[id * d + j]!;
      }
    } else {
      x = Float64Array.from({ length: n * d }, (_, t) => input.x![b * n * d + t]!);
    }
    if (c.positional === 'sinusoidal') {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) {
          const angle = i / 10000 ** ((2 * Math.floor(j / 2)) / d);
          x[i * d + j]! += j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
        }
      }
    } else if (c.positional === 'learned') {
      const pos = w['embed.positions']!;
      for (let t = 0; t < n * d; t++) x[t]! += pos[t]!;
    }
    const keyMask = input.mask ? Float64Array.from({ length: n }, (_, t) => input.mask![b * n + t]!) : null;
    const ln = (name: string, v: Float64Array) =>
      layerNorm(v, n, d, c.normEps, w[`${name}.gamma`], w[`${name}.beta`]);
    for (let l = 0; l < c.depth; l++) {
      const p = `blocks.${l}`;
      const a = attention(c, w, p, c.norm === 'pre' ? ln(`${p}.ln1`, x) : x, n, keyMask).out;
      let z = c.residual ? add(x, a, c.alphaAttn) : a;
      if (c.norm === 'post') z = ln(`${p}.ln1`, z);
      let y = z;
      if (c.mlp) {
        const m = mlp(c, w, p, c.norm === 'pre' ? ln(`${p}.ln2`, z) : z, n);
        y = c.residual ? add(z, m, c.alphaMlp) : m;
        if (c.norm === 'post') y = ln(`${p}.ln2`, y);
      }
      x = y;
    }
    if (c.finalNorm) x = ln('lnFinal', x);
    if (c.outputs !== null) {
      const logits = mm(x, w['head.w']!, n, d, c.outputs);
      const hb = w['head.b']!;
      for (let i = 0; i < n; i++) for (let j = 0; j < c.outputs; j++) logits[i * c.outputs + j]! += hb[j]!;
      x = logits;
    }
    out.set(x, b * n * width);
  }
  return out;
}

/** Central differences of `loss(weights)` for every entry of every named weight, step h. */
export function centralDifferences(
  w: Float64Weights,
  names: readonly string[],
  loss: (w: Float64Weights) => number,
  h = 1e-6,
): Float64Weights {
  const out: Float64Weights = {};
  for (const name of names) {
    const p = w[name]!;
    const g = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const keep = p[i]!;
      p[i] = keep + h;
      const up = loss(w);
      p[i] = keep - h;
      const down = loss(w);
      p[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    out[name] = g;
  }
  return out;
}

function weightsOf(model: Transformer): Float64Weights {
  const out: Float64Weights = {};
  for (const [name, value] of Object.entries(model.weights())) out[name] = Float64Array.from(value);
  return out;
}

function checkInput(model: Transformer, input: Float64Input): void {
  const c = model.config;
  const bad = (what: string) => new AttentionError('E_SHAPE', `forwardFloat64: ${what}`);
  if (!(Number.isInteger(input.batch) && input.batch >= 1))
    throw bad(`input.batch must be an integer ≥ 1, got ${input.batch}`);
  if (!(Number.isInteger(input.n) && input.n >= 1))
    throw bad(`input.n must be an integer ≥ 1, got ${input.n}`);
  const tokens = input.batch * input.n;
  if (c.vocabSize !== null) {
    if (!input.ids || input.ids.length !== tokens)
      throw bad(`input.ids must hold batch·n = ${tokens} token ids (the model has a vocabulary)`);
    for (let i = 0; i < tokens; i++) {
      const id = input.ids[i]!;
      if (!(Number.isInteger(id) && id >= 0 && id < c.vocabSize))
        throw bad(`input.ids[${i}] must be an integer from 0 to ${c.vocabSize - 1}, got ${id}`);
    }
  } else if (!input.x || input.x.length !== tokens * c.dModel) {
    throw bad(`input.x must hold batch·n·dModel = ${tokens * c.dModel} numbers`);
  }
  if (input.mask && input.mask.length !== tokens)
    throw bad(`input.mask must hold batch·n = ${tokens} values`);
  if (c.maxLength !== null && input.n > c.maxLength)
    throw bad(`input.n must be ≤ maxLength = ${c.maxLength}, got ${input.n}`);
}

/**
 * The model's output `[batch·n·width]` (width = outputs or dModel) computed in float64 from its
 * current weights.
 *
 * @example
 * ```ts
 * const y = forwardFloat64(model, { batch: 1, n: 4, x: tokens }); // Float64Array
 * ```
 */
export function forwardFloat64(model: Transformer, input: Float64Input): Float64Array {
  checkInput(model, input);
  return referenceForward(model.config, weightsOf(model), input);
}

/** What `gradientsFloat64` returns. */
export interface Float64Gradients {
  loss: number;
  /** ∂loss/∂θ by parameter name (central differences in float64). */
  grads: Float64Weights;
  /** Frobenius norm of each gradient. */
  norms: Record<string, number>;
}

/**
 * Gradients of a float64 loss of the output by central differences on the float64 forward pass:
 * exact zeros stay zero. Two forward passes per weight entry, so the model must be small: at most
 * `maxEntries` entries in the parameters asked for.
 *
 * @example
 * ```ts
 * // all tokens equal: the query/key gradients are exactly 0 in float64
 * const g = gradientsFloat64(model, { batch: 1, n: 4, x }, (y) => y.reduce((s, v, i) => s + G[i]! * v, 0));
 * g.norms['blocks.0.attn.wq']; // 0
 * ```
 * @throws {AttentionError} for a bad input, unknown parameter names or too many entries (before any work).
 */
export function gradientsFloat64(
  model: Transformer,
  input: Float64Input,
  loss: (output: Float64Array) => number,
  options: { params?: readonly string[]; step?: number; maxEntries?: number } = {},
): Float64Gradients {
  checkInput(model, input);
  const names = options.params ? [...options.params] : model.parameters.map((p) => p.name);
  for (const name of names) model.param(name); // unknown names throw, with the nearest ones
  const step = options.step ?? 1e-6;
  const maxEntries = options.maxEntries ?? 50_000;
  if (!(step > 0 && Number.isFinite(step)))
    throw new AttentionError('E_INVALID_ARGUMENT', `options.step must be a finite number > 0, got ${step}`);
  const entries = names.reduce((s, n) => s + model.param(n).shape.reduce((a, b) => a * b, 1), 0);
  if (entries > maxEntries)
    throw new AttentionError(
      'E_INVALID_ARGUMENT',
      `gradientsFloat64: the parameters asked for have ${entries} entries, above options.maxEntries = ${maxEntries} (two float64 forward passes each): pick some with options.params, or raise maxEntries`,
    );
  const w = weightsOf(model);
  const c = model.config;
  const value = loss(referenceForward(c, w, input));
  const grads = centralDifferences(w, names, (ws) => loss(referenceForward(c, ws, input)), step);
  const norms: Record<string, number> = {};
  for (const name of names) norms[name] = Math.sqrt(grads[name]!.reduce((s, v) => s + v * v, 0));
  return { loss: value, grads, norms };
}
