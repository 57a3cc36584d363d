/**
 * The optimizers `train` uses, each as `{ name, step, toJSON }` over one parameter at a time:
 * `step` takes the (clipped) gradient, the parameter's slots and the learning rate, and returns
 * the change Δθ to add and the new slots. Slots are plain tensors so that a checkpoint can save
 * and restore them; a parameter without slots yet starts from zeros.
 */
import { type Tensor, tf } from '@trainlab/tensor';

/** What one update of one parameter produced: Δθ (to add to θ) and the parameter's new slots. */
export interface OptimizerStep {
  delta: Tensor;
  slots: Record<string, Tensor>;
}

/** An optimizer over one parameter at a time. */
export interface Optimizer {
  readonly name: 'adam' | 'sgd';
  /**
   * One update at step `t` (1-based, for Adam's bias correction) with learning rate `rate`. Makes
   * new tensors (the caller owns them and disposes the old slots); disposes nothing it is given.
   */
  step(grad: Tensor, slots: Readonly<Record<string, Tensor>>, rate: number, t: number): OptimizerStep;
  /** The optimizer and its hyperparameters, for records and checkpoints. */
  toJSON(): Record<string, unknown>;
}

/**
 * Adam (Kingma & Ba 2015): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², Δθ = −rate · m̂ / (√v̂ + ε)
 * with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ). Slots `m`, `v`.
 */
export function adam(options: { betas: [number, number]; eps: number }): Optimizer {
  const [b1, b2] = options.betas;
  const { eps } = options;
  return {
    name: 'adam',
    step(g, s, rate, t) {
      return tf.tidy(() => {
        const m = tf.add(tf.mul(s.m ?? tf.zerosLike(g), b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(s.v ?? tf.zerosLike(g), b2), tf.mul(tf.square(g), 1 - b2));
        const mHat = tf.div(m, 1 - b1 ** t);
        const vHat = tf.div(v, 1 - b2 ** t);
        const delta = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), -rate);
        return { delta, slots: { m, v } };
      });
    },
    toJSON: () => ({ name: 'adam', betas: [b1, b2], eps }),
  };
}

/** SGD with (heavy-ball) momentum: u ← μu + g, Δθ = −rate · u. Slot `u`. */
export function sgd(options: { momentum: number }): Optimizer {
  const { momentum } = options;
  return {
    name: 'sgd',
    step(g, s, rate) {
      return tf.tidy(() => {
        const u = tf.add(tf.mul(s.u ?? tf.zerosLike(g), momentum), g);
        return { delta: tf.mul(u, -rate), slots: { u } };
      });
    },
    toJSON: () => ({ name: 'sgd', momentum }),
  };
}
