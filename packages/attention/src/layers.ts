/**
 * The sub-layers of a transformer as plain functions of tensors, so that they can be used and
 * tested on their own. Tokens are rows: inputs are `[batch, n, d]`. Every product goes through
 * `matmul` from @trainlab/tensor, which keeps the wasm backend on its fast 2-D GEMM path.
 *
 * None of these functions tidy: call them inside `tf.tidy` (the model does).
 */
import { matmul, type Tensor, tf } from '@trainlab/tensor';
import type { Activation, AttentionKind } from './config';
import { shapeError } from './errors';

/** A logit bias that removes a key: exp(−1e9 − max) is exactly 0 in float32. */
export const MASKED = -1e9;

/** LayerNorm over the last axis: (x − mean)/√(var + eps), then `gamma ⊙ · + beta` when given. */
export function layerNorm(x: Tensor, eps: number, gamma?: Tensor, beta?: Tensor): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  // √ and a division rather than rsqrt: the gradient of rsqrt goes through Pow, slow on wasm.
  let y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
  if (gamma) y = tf.mul(y, gamma);
  if (beta) y = tf.add(y, beta);
  return y;
}

/** The exact GELU, 0.5·x·(1 + erf(x/√2)). */
export function gelu(x: Tensor): Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/**
 * Mean cross-entropy of `logits` against one-hot targets (rows of zeros are not scored), divided by
 * `count`, the number of scored positions.
 */
export function crossEntropy(logits: Tensor, onehot: Tensor, count: number): Tensor {
  return tf.div(tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)))), count);
}

/** The weights of one MLP sub-layer. */
export interface MlpWeights {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

/** act(x W₁ + b₁) W₂ + b₂. */
export function mlp(x: Tensor, w: MlpWeights, activation: Activation): Tensor {
  const h = tf.add(matmul(x, w.w1), w.b1);
  const a = activation === 'relu' ? tf.relu(h) : gelu(h);
  return tf.add(matmul(a, w.w2), w.b2);
}

/** The weights of one multi-head attention sub-layer (heads side by side in the columns). */
export interface AttentionWeights {
  /** `[d, heads·headDim]` */
  wq: Tensor;
  /** `[d, heads·headDim]` */
  wk: Tensor;
  /** `[d, heads·valueDim]` */
  wv: Tensor;
  /** `[heads·valueDim, d]`, or absent: the heads' outputs side by side are the output. */
  wo?: Tensor | undefined;
}

/** Options of one multi-head attention call (`multiHeadAttention`). */
export interface AttentionOptions {
  heads: number;
  headDim: number;
  /** Width of each head's values d_v. @defaultValue headDim */
  valueDim?: number;
  /** Inverse temperature τ. */
  tau: number;
  kind: AttentionKind;
  /** Added to the logits, broadcast to `[batch, heads, n, n]` (see `attentionBias`). */
  bias?: Tensor | null;
}

/**
 * Multi-head self-attention: per head S = softmax(τ·Q Kᵀ/√d_k + bias), output concat_h(S V) W_O
 * (or concat_h(S V) without W_O).
 * Returns the output `[batch, n, d]` and the attention maps `[batch, heads, n, n]`.
 */
export function multiHeadAttention(
  x: Tensor,
  w: AttentionWeights,
  options: AttentionOptions,
): { output: Tensor; maps: Tensor } {
  const { heads, headDim } = options;
  const valueDim = options.valueDim ?? headDim;
  if (x.rank !== 3) throw shapeError(`multiHeadAttention: x must be [batch, n, d], got shape [${x.shape}]`);
  const [batch, n, d] = x.shape as [number, number, number];
  const width = heads * headDim;
  const values = heads * valueDim;
  const checks: [string, Tensor, number, number | null][] = [
    ['wq', w.wq, d, width],
    ['wk', w.wk, d, width],
    ['wv', w.wv, d, values],
  ];
  if (w.wo) checks.push(['wo', w.wo, values, null]);
  for (const [name, t, rows, cols] of checks) {
    if (t.rank !== 2 || t.shape[0] !== rows || (cols !== null && t.shape[1] !== cols)) {
      throw shapeError(
        `multiHeadAttention: ${name} must be [${rows}, ${cols ?? 'd_out'}] (heads = ${heads}, headDim = ${headDim}, valueDim = ${valueDim}), got shape [${t.shape}]`,
      );
    }
  }
  // A scope of its own: intermediates are freed here, also when an op fails half-way.
  return tf.tidy(() => {
    const split = (t: Tensor, width: number): Tensor =>
      tf.transpose(tf.reshape(t, [batch, n, heads, width]), [0, 2, 1, 3]);
    const v = split(matmul(x, w.wv), valueDim);
    let maps: Tensor;
    if (options.kind === 'identity') {
      // Each token attends to itself: S = I (masks cannot hide a token from itself).
      maps = tf.broadcastTo(tf.reshape(tf.eye(n), [1, 1, n, n]), [batch, heads, n, n]);
    } else if (options.kind === 'uniform') {
      const logits = options.bias ?? tf.zeros([1, 1, n, n]);
      maps = tf.broadcastTo(tf.softmax(logits), [batch, heads, n, n]);
    } else {
      const q = split(matmul(x, w.wq), headDim);
      const k = split(matmul(x, w.wk), headDim);
      let logits = tf.mul(matmul(q, k, { transposeB: true }), options.tau / Math.sqrt(headDim));
      if (options.bias) logits = tf.add(logits, options.bias);
      maps = tf.softmax(logits);
    }
    const heads3 = matmul(maps, v); // [batch, heads, n, valueDim]
    const joined = tf.reshape(tf.transpose(heads3, [0, 2, 1, 3]), [batch, n, values]);
    return { output: w.wo ? matmul(joined, w.wo) : joined, maps } as never;
  }) as unknown as { output: Tensor; maps: Tensor };
}

/**
 * The additive logit bias for a key-padding mask (`[batch, n]`, 1 = keep, 0 = padding) and/or a
 * causal mask: 0 where a query may look, −1e9 elsewhere. `null` when there is nothing to mask.
 */
export function attentionBias(n: number, keyMask: Tensor | null, causal: boolean): Tensor | null {
  let bias: Tensor | null = null;
  if (keyMask) {
    const [batch] = keyMask.shape as [number, number];
    bias = tf.reshape(tf.mul(tf.sub(1, tf.cast(keyMask, 'float32')), MASKED), [batch, 1, 1, n]);
  }
  if (causal) {
    const allowed = tf.linalg.bandPart(tf.ones([n, n]), -1, 0);
    const c = tf.reshape(tf.mul(tf.sub(1, allowed), MASKED), [1, 1, n, n]);
    bias = bias ? tf.add(bias, c) : c;
  }
  return bias;
}

/** The sinusoidal positions of Vaswani et al. (2017): sin on even features, cos on odd ones. */
export function sinusoidalPositions(n: number, d: number): Tensor {
  const data = new Float32Array(n * d);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < d; i++) {
      const angle = p / 10000 ** ((2 * Math.floor(i / 2)) / d);
      data[p * d + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tf.tensor2d(data, [n, d]);
}
