/**
 * An independent float64 implementation of the model, written from the definitions in
 * `shared/research/rank-collapse.md` with plain loops (no tfjs), used to check the tfjs forward
 * pass and, through central finite differences, every gradient.
 */
import type { ResolvedConfig } from '../src/config';

export type Weights = Record<string, Float64Array>;

export interface RefInput {
  batch: number;
  n: number;
  /** Embeddings `[batch·n·d]` (no vocabulary) … */
  x?: Float64Array;
  /** … or token ids `[batch·n]`. */
  ids?: Int32Array;
  /** Key-padding mask `[batch·n]`, 1 = keep. */
  mask?: Float64Array;
}

const MASKED = -1e9;

/** erf to ~1e-15 on |x| < 6 (Taylor series; float64 has digits to spare for the cancellation). */
export function erf(x: number): number {
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
  w: Weights,
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
        const a = Math.exp(logits[j]! - max) / z;
        for (let t = 0; t < dv; t++) joined[i * values + h * dv + t]! += a * v[j * values + h * dv + t]!;
      }
    }
  }
  return { out: c.outputProjection ? mm(joined, w[`${p}.attn.wo`]!, n, values, d) : joined };
}

function mlp(c: ResolvedConfig, w: Weights, p: string, x: Float64Array, n: number): Float64Array {
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
export function refForward(c: ResolvedConfig, w: Weights, input: RefInput): Float64Array {
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
      x = input.x!.slice(b * n * d, (b + 1) * n * d);
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
    const keyMask = input.mask ? input.mask.slice(b * n, (b + 1) * n) : null;
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
export function finiteDifferences(
  w: Weights,
  names: readonly string[],
  loss: (w: Weights) => number,
  h = 1e-6,
): Weights {
  const out: Weights = {};
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
