import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, Rng, singularValues, symmetricEigenvalues, tf } from '../src/index';
import { expectClose } from '../src/testing';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** A random orthogonal matrix: Q of Gram–Schmidt on a Gaussian matrix. */
function orthogonal(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const q: number[][] = [];
  for (let i = 0; i < n; i++) {
    const v = Array.from(rng.normal(n));
    for (const u of q) {
      const dot = u.reduce((s, ui, k) => s + ui * v[k]!, 0);
      for (let k = 0; k < n; k++) v[k]! -= dot * u[k]!;
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  return q;
}

describe('singularValues', () => {
  it('gives all ones for an orthogonal matrix', () => {
    const s = singularValues(orthogonal(11, 1));
    expect(s).toHaveLength(11);
    expectClose(s, 1, 'float64', 'singular values');
  });

  it('gives ‖u‖‖v‖ and zeros for a rank-one matrix u vᵀ (7×5)', () => {
    const u = [1, -2, 3, 0.5, 4, -1, 2];
    const v = [2, 0, -1, 3, 1];
    const s = singularValues(u.map((ui) => v.map((vj) => ui * vj)));
    expect(s).toHaveLength(5);
    expectClose(s[0]!, Math.hypot(...u) * Math.hypot(...v), 'float64', 's₁');
    expectClose(s.slice(1), 0, 'float64', 'the other singular values');
  });

  it('gives the sorted absolute diagonal of a diagonal matrix', () => {
    expect(
      Array.from(
        singularValues([
          [3, 0, 0],
          [0, -5, 0],
          [0, 0, 0.5],
        ]),
      ),
    ).toEqual([5, 3, 0.5]);
  });

  it('reads rank-2 tensors and row-major data, wide or tall', () => {
    const t = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const fromTensor = singularValues(t);
    t.dispose();
    const fromData = singularValues({ data: [1, 4, 2, 5, 3, 6], rows: 3, cols: 2 });
    // Reference: numpy.linalg.svd([[1,2,3],[4,5,6]]) → [9.508032, 0.77286964] (printed to 7-8 digits).
    expectClose(fromTensor, [9.508032, 0.77286964], { rtol: 1e-7, atol: 0 }, 'from a tensor');
    expectClose(fromData, fromTensor, 'float64', 'from row-major data');
  });

  it('satisfies Σ s² = ‖A‖_F² and s₁ ≥ ‖A x‖/‖x‖ (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer(),
        (n, d, seed) => {
          const rng = new Rng(seed);
          const a = Array.from({ length: n }, () => Array.from(rng.normal(d)));
          const s = singularValues(a);
          const frob = a.flat().reduce((acc, x) => acc + x * x, 0);
          const sum = s.reduce((acc, x) => acc + x * x, 0);
          const x = Array.from(rng.normal(d));
          const ax = a.map((row) => row.reduce((acc, aij, j) => acc + aij * x[j]!, 0));
          const sortedDesc = s.every((v, i) => i === 0 || v <= s[i - 1]!);
          return (
            s.length === Math.min(n, d) &&
            sortedDesc &&
            Math.abs(sum - frob) <= 1e-9 * Math.max(1, frob) &&
            Math.hypot(...ax) <= s[0]! * Math.hypot(...x) * (1 + 1e-9)
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects bad matrices naming what was wrong', () => {
    expect(() => singularValues([[1, 2], [3]])).toThrow(
      'matrix must be rows of equal length, got row 1 of length 1 (row 0 has 2)',
    );
    expect(() => singularValues([[1, Number.NaN]])).toThrow(
      'matrix must be finite entries, got NaN at [0, 1]',
    );
    const v = tf.tensor1d([1, 2]);
    expect(() => singularValues(v)).toThrow('matrix must be a rank-2 tensor, got shape [2]');
    v.dispose();
  });
});

describe('symmetricEigenvalues', () => {
  it('gives known eigenvalues, smallest first', () => {
    // [[2,1],[1,2]] has eigenvalues 1 and 3.
    const e = symmetricEigenvalues([
      [2, 1],
      [1, 2],
    ]);
    expectClose(e, [1, 3], 'float64', 'eigenvalues');
  });

  it('agrees with singular values: eig(AᵀA) = s² (5×3)', () => {
    const rng = new Rng(4);
    const a = Array.from({ length: 5 }, () => Array.from(rng.normal(3)));
    const ata = [0, 1, 2].map((i) => [0, 1, 2].map((j) => a.reduce((s, r) => s + r[i]! * r[j]!, 0)));
    const e = symmetricEigenvalues(ata);
    const s = singularValues(a);
    expectClose(
      Array.from(e).reverse(),
      Array.from(s, (x) => x ** 2),
      'float64',
      'eig(AᵀA)',
    );
  });

  it('rejects a non-square matrix', () => {
    expect(() =>
      symmetricEigenvalues([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    ).toThrow('matrix must be square, got 2×3');
  });
});
