/**
 * Gradient measurements per layer: the norms of W_Q, W_K, W_V, W_O and the MLP with the Q/V and
 * K/V ratios, and a random-probe estimate of the Jacobian norm of one attention layer w.r.t. its
 * weights.
 */
import {
  type ForwardOptions,
  gradientNorms,
  groupNorms,
  type LossSpec,
  type ModelInput,
  multiHeadAttention,
  type Transformer,
} from '@trainlab/attention';
import { Rng, type Tensor, tf } from '@trainlab/tensor';
import { DiagnosticsError } from './errors';

/** Gradient norms of one block. */
export interface LayerGradients {
  /** The block's index in `model.blocks` (0 = first); the experiments' rows number it from 1. */
  layer: number;
  q: number;
  k: number;
  v: number;
  o: number;
  /** All MLP weights and biases together (0 without an MLP). */
  mlp: number;
  /** ‖∂L/∂W_Q‖ / ‖∂L/∂W_V‖. */
  qOverV: number;
  /** ‖∂L/∂W_K‖ / ‖∂L/∂W_V‖. */
  kOverV: number;
}

/**
 * Per-block Frobenius norms of the gradients of W_Q, W_K, W_V, W_O and the MLP, for a loss (default:
 * a random linear probe, seed 0).
 */
export function layerGradients(
  model: Transformer,
  x: ModelInput,
  loss: LossSpec = { kind: 'probe' },
  options: { mask?: ForwardOptions['mask'] } = {},
): { loss: number; layers: LayerGradients[] } {
  const g = gradientNorms(model, x, loss, options.mask === undefined ? {} : { mask: options.mask });
  const groups = groupNorms(model, g.norms);
  const layers: LayerGradients[] = [];
  for (let l = 0; l < model.config.depth; l++) {
    const of = (group: string) => groups.find((e) => e.layer === l && e.group === group)?.norm ?? 0;
    const v = of('v');
    layers.push({
      layer: l,
      q: of('q'),
      k: of('k'),
      v,
      o: of('o'),
      mlp: of('mlp'),
      qOverV: of('q') / v,
      kOverV: of('k') / v,
    });
  }
  return { loss: g.loss, layers };
}

/** Estimated Frobenius norms of the Jacobian of one attention sub-layer w.r.t. each of its weights. */
export interface JacobianNorms {
  q: number;
  k: number;
  v: number;
  o: number;
  /** Probes used. */
  probes: number;
}

/**
 * ‖J_W‖_F for the attention sub-layer of block `layer` (its input fixed at what the model feeds it),
 * estimated as √(mean over Gaussian probes G of ‖∇_W ⟨G, Attn(W)⟩‖²), since E‖JᵀG‖² = ‖J‖_F².
 * The relative standard error is about 1/√(2·probes) for a Jacobian of many comparable directions.
 */
export function attentionJacobianNorms(
  model: Transformer,
  x: ModelInput,
  options: { layer: number; probes?: number; seed?: number },
): JacobianNorms {
  const c = model.config;
  const { layer, probes = 16, seed = 0 } = options;
  if (!Number.isInteger(layer) || layer < 0 || layer >= c.depth) {
    throw new DiagnosticsError(
      'E_INVALID_ARGUMENT',
      `options.layer must be a block index from 0 to ${c.depth - 1}, got ${layer}`,
    );
  }
  if (!Number.isInteger(probes) || probes < 1) {
    throw new DiagnosticsError('E_INVALID_ARGUMENT', `options.probes must be an integer ≥ 1, got ${probes}`);
  }
  // What the attention sub-layer sees (LN₁(X) for Pre-LN), as the model's own wiring computes it.
  const r = model.forward(x, { taps: { layers: [layer], include: ['attnIn'] } });
  const attnIn = r.taps[0]!.attnIn!;
  const attn = model.blocks[layer]!.attn;
  const sums = { q: 0, k: 0, v: 0, o: 0 };
  const rng = new Rng(seed).fork('jacobian-probes');
  const seen = tf.tidy(() => (attnIn.rank === 2 ? tf.expandDims(attnIn, 0) : tf.clone(attnIn)));
  const f = (wq: Tensor, wk: Tensor, wv: Tensor, wo: Tensor | undefined) =>
    multiHeadAttention(
      seen,
      { wq, wk, wv, wo },
      { heads: c.heads, headDim: c.headDim, valueDim: c.valueDim, tau: c.tau, kind: c.attention },
    ).output;
  // Under fixed uniform attention W_Q and W_K do not reach the output: their Jacobians are zero.
  // Without an output projection there is no W_O (its norm is reported as 0).
  const uniform = c.attention !== 'softmax'; // fixed maps: W_Q, W_K unused
  const names = [
    ...(uniform ? [] : (['wq', 'wk'] as const)),
    'wv',
    ...(attn.wo ? (['wo'] as const) : []),
  ] as const;
  const weights = names.map((name) => attn[name] as Tensor);
  const shape = [...seen.shape.slice(0, -1), c.dModel];
  for (let i = 0; i < probes; i++) {
    const stacked = tf.tidy(() => {
      const g = tf.tensor(
        Float32Array.from(rng.fork(String(i)).normal(shape.reduce((a, b) => a * b, 1))),
        shape,
      );
      const grads = tf.grads((...ws: Tensor[]) => {
        const by = (name: string) => ws[names.indexOf(name as never)];
        const wq = by('wq') ?? (attn.wq as Tensor);
        const wk = by('wk') ?? (attn.wk as Tensor);
        return tf.sum(tf.mul(g, f(wq, wk, by('wv')!, by('wo'))));
      })(weights);
      const square = (name: string) => {
        const k = names.indexOf(name as never);
        return k >= 0 ? tf.sum(tf.square(grads[k]!)) : tf.scalar(0);
      };
      return tf.stack([square('wq'), square('wk'), square('wv'), square('wo')]);
    });
    const sq = stacked.dataSync();
    stacked.dispose();
    sums.q += sq[0]!;
    sums.k += sq[1]!;
    sums.v += sq[2]!;
    sums.o += sq[3]!;
  }
  seen.dispose();
  r.dispose();
  return {
    q: Math.sqrt(sums.q / probes),
    k: Math.sqrt(sums.k / probes),
    v: Math.sqrt(sums.v / probes),
    o: Math.sqrt(sums.o / probes),
    probes,
  };
}
