/**
 * The float64 path (`forwardFloat64`, `gradientsFloat64`) against the float32 tfjs path, and where
 * they differ on purpose: quantities that are zero in exact arithmetic.
 */
import { initBackend, Rng, tf } from '@trainlab/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttentionError, createTransformer, forwardFloat64, gradients, gradientsFloat64 } from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

describe('float64 path', () => {
  it('agrees with the float32 tfjs path: forward (1e-5 relative) and every gradient (1e-3 relative)', () => {
    const model = createTransformer(
      { dModel: 6, depth: 2, heads: 2, norm: 'pre', mlp: { hidden: 5 } },
      { seed: 1 },
    );
    const n = 5;
    const x = Float32Array.from(new Rng(2).normal(n * 6));
    const G = Float32Array.from(new Rng(3).normal(n * 6));
    const xt = tf.tensor2d(x, [n, 6]);
    const y32 = model.forward(xt);
    const y64 = forwardFloat64(model, { batch: 1, n, x });
    expect(norm(Array.from(y64, (v, i) => v - y32.output.dataSync()[i]!)) / norm(y64)).toBeLessThan(1e-5);
    y32.dispose();
    const g32 = gradients(model, xt, (y) => tf.sum(tf.mul(y, tf.tensor2d(G, [n, 6]))));
    const g64 = gradientsFloat64(model, { batch: 1, n, x }, (y) => y.reduce((s, v, i) => s + v * G[i]!, 0));
    expect(g64.loss).toBeCloseTo(g32.loss, 4);
    for (const p of model.parameters) {
      const a = g32.grads[p.name]!.dataSync();
      const b = g64.grads[p.name]!;
      const rel = norm(Array.from(a, (v, i) => v - b[i]!)) / Math.max(norm(b), 1e-6);
      expect(rel, p.name).toBeLessThan(1e-3);
    }
    g32.dispose();
    xt.dispose();
    model.dispose();
  });

  it('gives exact zeros where float32 gives round-off: Q/K gradients of equal tokens', () => {
    const model = createTransformer({ dModel: 8, depth: 3, heads: 2, norm: 'post', mlp: true }, { seed: 4 });
    const n = 6;
    const token = new Rng(5).normal(8);
    const x = Float64Array.from({ length: n * 8 }, (_, t) => token[t % 8]!); // every token the same
    const G = new Rng(6).normal(n * 8);
    const g = gradientsFloat64(model, { batch: 1, n, x }, (y) => y.reduce((s, v, i) => s + v * G[i]!, 0));
    const xt = tf.tensor2d(Float32Array.from(x), [n, 8]);
    const Gt = tf.tensor2d(Float32Array.from(G), [n, 8]);
    const g32 = gradients(model, xt, (y) => tf.sum(tf.mul(y, Gt)));
    for (let l = 0; l < 3; l++) {
      expect(g.norms[`blocks.${l}.attn.wq`]).toBe(0);
      expect(g.norms[`blocks.${l}.attn.wk`]).toBe(0);
      expect(g.norms[`blocks.${l}.attn.wv`]).toBeGreaterThan(1e-3);
      // float32: round-off, far below the value gradient but not zero (measured 1e-7 to 1e-6)
      expect(g32.norms[`blocks.${l}.attn.wq`]! / g32.norms[`blocks.${l}.attn.wv`]!).toBeLessThan(1e-5);
    }
    g32.dispose();
    tf.dispose([xt, Gt]);
    model.dispose();
  });

  it('refuses bad inputs and models too large for central differences, before any work', () => {
    const model = createTransformer({ dModel: 8, depth: 1 }, { seed: 0 });
    const x = new Float64Array(3 * 8);
    expect(() => forwardFloat64(model, { batch: 1, n: 4, x })).toThrow(
      /input.x must hold batch·n·dModel = 32 numbers/,
    );
    expect(() => gradientsFloat64(model, { batch: 1, n: 3, x }, () => 0, { maxEntries: 10 })).toThrow(
      /entries, above options.maxEntries = 10/,
    );
    expect(() =>
      gradientsFloat64(model, { batch: 1, n: 3, x }, () => 0, { params: ['blocks.0.attn.wx'] }),
    ).toThrow(AttentionError);
    model.dispose();
  });
});
