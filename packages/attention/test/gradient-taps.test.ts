/** Gradient taps: ∂L/∂(sub-layer output) per block, checked against analytic values and finite differences. */
import { initBackend, Rng, tf } from '@trainlab/tensor';
import { expectClose, TOLERANCE } from '@trainlab/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTransformer, GRADIENT_TAP_NAMES, gradients, type TransformerConfig } from '../src/index';

beforeAll(async () => {
  await initBackend();
});

const config: TransformerConfig = { dModel: 8, depth: 3, heads: 2, norm: 'post', mlp: true };
const randn = (shape: number[], seed: string) =>
  tf.tensor(Float32Array.from(new Rng(seed).normal(shape.reduce((a, b) => a * b, 1))), shape);

describe('gradient taps', () => {
  it('the last block’s output gradient of ⟨G, Y⟩ is G itself, and parameter gradients stay the same', () => {
    const model = createTransformer(config, { seed: 3 });
    const x = randn([5, 8], 'x');
    const g = randn([5, 8], 'g');
    const loss = (y: tf.Tensor) => tf.sum(tf.mul(y, g));
    const plain = gradients(model, x, loss);
    const tapped = gradients(model, x, loss, { taps: true });
    expect(tapped.taps.map((t) => t.layer)).toEqual([0, 1, 2]);
    expect(Array.from(tapped.taps[2]!.output!.dataSync())).toEqual(Array.from(g.dataSync()));
    // The probes add exact zeros; only the order in which tfjs sums gradient paths differs (a float32 pipeline).
    for (const name of Object.keys(plain.grads)) {
      expectClose(tapped.grads[name]!.dataSync(), plain.grads[name]!.dataSync(), 'float32', name);
    }
    // The input of block l+1 is the output of block l: the same gradient.
    expect(Array.from(tapped.taps[1]!.input!.dataSync())).toEqual(
      Array.from(tapped.taps[0]!.output!.dataSync()),
    );
    expect(tapped.tapNorms.filter((t) => t.layer === 0).map((t) => t.tap)).toEqual(GRADIENT_TAP_NAMES);
    for (const t of tapped.tapNorms) expect(t.norm).toBeGreaterThan(0);
    plain.dispose();
    tapped.dispose();
    tf.dispose([x, g]);
    model.dispose();
  });

  it('every tap agrees with finite differences of the loss in a random direction', () => {
    for (const norm of ['post', 'pre', 'none'] as const) {
      const model = createTransformer(
        { ...config, norm, residualScale: norm === 'none' ? 0.5 : 1 },
        { seed: 7 },
      );
      const x = randn([1, 5, 8], `x-${norm}`);
      const g = randn([1, 5, 8], `g-${norm}`);
      const loss = (y: tf.Tensor) => tf.sum(tf.mul(tf.tanh(y), g)); // non-linear in the output
      const r = gradients(model, x, loss, {
        taps: { layers: [1], include: ['attnIn', 'attn', 'mid', 'mlp'] },
      });
      expect(r.taps).toHaveLength(1);
      for (const name of ['attnIn', 'attn', 'mid', 'mlp'] as const) {
        const e = randn([1, 5, 8], `e-${name}`);
        const at = (eps: number) =>
          tf.tidy(() => {
            const probes = new Map([[`1:${name}`, tf.mul(e, eps)]]);
            return loss(model.apply(x, null, probes)).dataSync()[0]!;
          });
        const h = 1e-3; // the blocks curve strongly: at 1e-2 the central difference is off by ~8%
        const fd = (at(h) - at(-h)) / (2 * h);
        const analytic = tf.tidy(() => tf.sum(tf.mul(r.taps[0]![name]!, e)).dataSync()[0]!);
        const { rtol, atol } = TOLERANCE.finiteDifference;
        expect(Math.abs(fd - analytic), `${norm} ${name}: fd ${fd} vs ${analytic}`).toBeLessThanOrEqual(
          atol + rtol * Math.abs(analytic),
        );
      }
      r.dispose();
      tf.dispose([x, g]);
      model.dispose();
    }
  });

  it('refuses maps by name and leaves no tensor behind', () => {
    const model = createTransformer(config, { seed: 1 });
    const x = randn([4, 8], 'x');
    const before = tf.memory().numTensors;
    expect(() => gradients(model, x, { kind: 'probe' }, { taps: { include: ['maps'] } })).toThrow(
      /options.taps.include must be gradient taps among input, attnIn, attn, mid, mlp, output \(not maps\)/,
    );
    expect(() => gradients(model, x, { kind: 'probe' }, { taps: { layers: [7] } })).toThrow(/taps.layers/);
    const r = gradients(model, x, { kind: 'probe' }, { taps: true });
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});
