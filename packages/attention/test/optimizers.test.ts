import { initBackend, tf } from '@trainlab/tensor';
import { expectClose } from '@trainlab/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, sgd } from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Runs `steps` updates of one parameter from the gradients given; returns the Δθ of each step. */
function run(opt: ReturnType<typeof adam>, grads: number[][], rate: number): number[][] {
  let slots: Record<string, tf.Tensor> = {};
  const deltas: number[][] = [];
  grads.forEach((g, i) => {
    const grad = tf.tensor1d(g);
    const r = opt.step(grad, slots, rate, i + 1);
    deltas.push(Array.from(r.delta.dataSync()));
    for (const t of Object.values(slots)) t.dispose();
    slots = r.slots;
    tf.dispose([grad, r.delta]);
  });
  for (const t of Object.values(slots)) t.dispose();
  return deltas;
}

describe('optimizers', () => {
  it('Adam follows its update rule with bias correction (float64 reference)', () => {
    const [b1, b2, eps, rate] = [0.9, 0.999, 1e-8, 0.01];
    const grads = [
      [0.5, -2, 3],
      [0.1, -1, 7],
      [-0.3, 0.2, 1e-3],
    ];
    const before = tf.memory().numTensors;
    const deltas = run(adam({ betas: [b1, b2], eps }), grads, rate);
    expect(tf.memory().numTensors).toBe(before);
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    grads.forEach((g, t) => {
      g.forEach((gi, j) => {
        m[j] = b1 * m[j]! + (1 - b1) * gi;
        v[j] = b2 * v[j]! + (1 - b2) * gi * gi;
        const want = (-rate * (m[j]! / (1 - b1 ** (t + 1)))) / (Math.sqrt(v[j]! / (1 - b2 ** (t + 1))) + eps);
        expectClose(deltas[t]![j]!, want, 'float32Op', `Adam step ${t + 1}, coordinate ${j}`);
      });
    });
    // The first step of Adam moves every coordinate by ≈ rate, whatever the gradient's size.
    for (const d of deltas[0]!) expect(Math.abs(d)).toBeCloseTo(rate, 5);
    expect(adam({ betas: [b1, b2], eps }).toJSON()).toEqual({ name: 'adam', betas: [b1, b2], eps });
  });

  it('SGD with momentum accumulates u ← μu + g and steps by −rate·u', () => {
    const deltas = run(
      sgd({ momentum: 0.5 }) as never,
      [
        [1, -2],
        [1, -2],
        [0, 0],
      ],
      0.1,
    );
    expectClose(deltas[0]![0]!, -0.1, 'float32Op', 'step 1');
    expectClose(deltas[1]![0]!, -0.15, 'float32Op', 'step 2');
    expectClose(deltas[2]![1]!, 0.15, 'float32Op', 'step 3'); // u = 0.5·(0.5·(−2) − 2) = −1.5
  });
});
