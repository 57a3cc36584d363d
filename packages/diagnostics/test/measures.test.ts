import { initBackend, Rng, tf } from '@trainlab/tensor';
import { expectClose } from '@trainlab/tensor/testing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticsError, dongResidual, gramCorrelation, rankMeasures, tokenCosine } from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const rows = (n: number, d: number, seed: number) => {
  const v = new Rng(seed).normal(n * d);
  return Array.from({ length: n }, (_, i) => Array.from(v.slice(i * d, (i + 1) * d)));
};

describe('tokenCosine and gramCorrelation', () => {
  it('are 1 for equal tokens and 0 for orthogonal ones', () => {
    const same = [
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ];
    expectClose(tokenCosine(same), 1, 'float64');
    expectClose(gramCorrelation(same), 1, 'float64');
    const eye = [
      [1, 0, 0],
      [0, 2, 0],
      [0, 0, 3],
    ];
    expect(tokenCosine(eye)).toBe(0);
    expect(gramCorrelation(eye)).toBe(0);
    // Three unit vectors 120° apart: every pairwise cosine is −0.5.
    const star = [0, 1, 2].map((k) => [Math.cos((2 * Math.PI * k) / 3), Math.sin((2 * Math.PI * k) / 3)]);
    expectClose(tokenCosine(star), -0.5, 'float64');
  });

  it('tokenCosine ignores token norms (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        (n, d, seed) => {
          const x = rows(n, d, seed);
          const scales = new Rng(seed).fork('s').uniform(n, 0.1, 10);
          const scaled = x.map((r, i) => r.map((v) => v * scales[i]!));
          return Math.abs(tokenCosine(x) - tokenCosine(scaled)) < 1e-9;
        },
      ),
    );
  });

  it('for equal-norm tokens: ‖X − 1x̄ᵀ‖²/‖X‖² = (1 − 1/n)(1 − ρ̂) (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer(),
        (n, d, seed) => {
          const x = rows(n, d, seed).map((r) => {
            const norm = Math.hypot(...r);
            return r.map((v) => (3 * v) / norm);
          });
          const rho = gramCorrelation(x);
          const { frobenius } = dongResidual(x);
          return (
            Math.abs(frobenius ** 2 - (1 - 1 / n) * (1 - rho)) < 1e-9 && Math.abs(rho - tokenCosine(x)) < 1e-9
          );
        },
      ),
    );
  });

  it('drop padding tokens and average over the batch', () => {
    const a = rows(4, 3, 1);
    const b = rows(4, 3, 2);
    const x = tf.tensor3d([a, b]);
    const mask = [
      [1, 1, 0, 0],
      [1, 1, 1, 1],
    ];
    const expected = (tokenCosine(a.slice(0, 2)) + tokenCosine(b)) / 2;
    expectClose(tokenCosine(x, mask), expected, 'float32Op', 'masked tokenCosine of float32 tokens');
    expect(() => tokenCosine(x, [[1, 1, 1]])).toThrow(/mask must have shape \[2,4\]/);
    expect(() =>
      tokenCosine(x, [
        [1, 1, 0.5, 1],
        [1, 1, 1, 1],
      ]),
    ).toThrow(/mask entry 2 must be 0 \(padding\) or 1 \(token\), got 0.5/);
    expect(() => tokenCosine([[1, 2]])).toThrow(/at least 2 unpadded tokens/);
    expect(() => tokenCosine(tf.zeros([3]))).toThrow(DiagnosticsError);
    x.dispose();
  });
});

describe('dongResidual', () => {
  it('is 0 for equal tokens and matches a hand computation', () => {
    expect(
      dongResidual([
        [1, 2],
        [1, 2],
      ]).composite,
    ).toBe(0);
    // X = [[1, 0], [0, 1]]: res = [[.5, −.5], [−.5, .5]]; ‖res‖₁ = ‖res‖_∞ = 1, ‖X‖₁ = ‖X‖_∞ = 1.
    const r = dongResidual([
      [1, 0],
      [0, 1],
    ]);
    expectClose(r.composite, 1, 'float64');
    expectClose(r.frobenius, Math.sqrt(1 / 2), 'float64');
  });
});

describe('rankMeasures', () => {
  it('gives 1 for rank one and the full rank for orthogonal rows', () => {
    const one = rankMeasures([
      [1, 2, 3],
      [2, 4, 6],
      [-1, -2, -3],
    ]);
    expectClose(one.stable, 1, 'float64', 'stable rank');
    expect(one.effective).toBeCloseTo(1, 6);
    expect(one.numerical).toBe(1);
    const eye = rankMeasures(
      Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i === j ? 1 : 0))),
    );
    expect(eye).toEqual({ stable: 4, effective: expect.closeTo(4, 9), numerical: 4 });
  });

  it('orders 1 ≤ stable ≤ effective-or-numerical ≤ min(n, d) (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        (n, d, seed) => {
          const r = rankMeasures(rows(n, d, seed));
          const k = Math.min(n, d);
          return (
            r.stable >= 1 - 1e-9 &&
            r.stable <= r.numerical + 1e-9 &&
            r.effective <= k + 1e-9 &&
            r.numerical <= k
          );
        },
      ),
      { numRuns: 50 },
    );
    expect(() => rankMeasures([[1]], { tolerance: 2 })).toThrow(/tolerance must be a number in \[0, 1\)/);
  });
});
