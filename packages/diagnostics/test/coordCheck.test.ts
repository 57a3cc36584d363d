import { initBackend, tf } from '@trainlab/tensor';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { coordCheckExperiment, logLogSlope } from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('coordinate check', () => {
  it('logLogSlope recovers the exponent of a power law (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.uniqueArray(fc.integer({ min: 1, max: 4096 }), { minLength: 2, maxLength: 8 }),
        (a, b, xs) =>
          Math.abs(
            logLogSlope(
              xs,
              xs.map((x) => a * x ** b),
            ) - b,
          ) < 1e-9,
      ),
    );
    expect(logLogSlope([1], [1])).toBeNaN();
  });

  it('measures every module at every step; flat at init, Adam updates of size lr; no tensors left', async () => {
    const before = tf.memory().numTensors;
    const config = { widths: [16, 32, 64], depth: 1, steps: 2, seeds: 1, n: 6, batchSize: 4, lr: 0.01 };
    const r = await coordCheckExperiment(config);
    expect(tf.memory().numTensors).toBe(before);
    // tidy: 3 widths × (4 activations × 3 steps + 7 groups × (gradient, update) × 2 steps)
    expect(r.rows).toHaveLength(3 * (4 * 3 + 7 * 2 * 2));
    const modules = new Set(r.rows.filter((x) => x.statistic === 'gradient').map((x) => x.module));
    expect([...modules].sort()).toEqual(['embed', 'head', 'k', 'mlp', 'o', 'q', 'v']);
    const at = (statistic: string, step: number) =>
      r.summary.filter((x) => x.statistic === statistic && x.step === step);
    // 1/√fan_in init: every activation is O(1) whatever the width
    for (const row of at('activation', 0)) expect(Math.abs(row.slope)).toBeLessThan(0.2);
    // Adam's first step moves every coordinate by ≈ lr (m̂/√v̂ = ±1 where the gradient is nonzero)
    for (const row of at('update', 1).filter((x) => x.module !== 'embed' && x.module !== 'head'))
      expect(Math.abs(row.value - 0.01)).toBeLessThan(0.0005);
    // the summary's spread is max/min over widths of the same line
    for (const row of r.summary) {
      const line = r.summary.filter(
        (x) => x.module === row.module && x.statistic === row.statistic && x.step === row.step,
      );
      const values = line.map((x) => x.value);
      expect(row.spread).toBeCloseTo(Math.max(...values) / Math.min(...values), 12);
    }
    // seeded
    const again = await coordCheckExperiment(config);
    expect(again.rows).toEqual(r.rows);
  }, 60_000);

  it('refuses heads that do not divide a width, naming both', async () => {
    await expect(coordCheckExperiment({ widths: [16, 30], heads: 4 })).rejects.toThrow(
      /4 does not divide 30/,
    );
  });
});
