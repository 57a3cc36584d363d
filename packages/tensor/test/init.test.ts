import { beforeAll, describe, expect, it } from 'vitest';
import {
  fans,
  type InitSpec,
  initBackend,
  initialize,
  initVariance,
  normalFanIn,
  Rng,
  tf,
} from '../src/index';
import { expectClose } from '../src/testing';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function moments(t: tf.Tensor): { mean: number; variance: number; max: number } {
  const v = t.dataSync();
  let s = 0;
  let s2 = 0;
  let max = 0;
  for (const x of v) {
    s += x;
    s2 += x * x;
    max = Math.max(max, Math.abs(x));
  }
  const mean = s / v.length;
  return { mean, variance: s2 / v.length - mean * mean, max };
}

describe('initializers', () => {
  // [fanIn, fanOut] with prime sizes so a swapped axis would give the wrong variance.
  const shape = [257, 131];
  const n = shape[0]! * shape[1]!;
  const cases: [string, InitSpec, number][] = [
    ['normal σ=1', { kind: 'normal', std: 1 }, 1 / 257],
    ['normal σ=2', { kind: 'normal', std: 2 }, 4 / 257],
    ['normal σ=0.5 without fan-in', { kind: 'normal', std: 0.5, fanIn: 'none' }, 0.25],
    ['normal σ=1 fan-in 16', { kind: 'normal', std: 1, fanIn: 16 }, 1 / 16],
    ['uniform σ=1.5', { kind: 'uniform', std: 1.5 }, 2.25 / 257],
    ['glorot normal', { kind: 'glorot-normal' }, 2 / (257 + 131)],
    ['glorot uniform', { kind: 'glorot-uniform' }, 2 / (257 + 131)],
  ];

  it.each(cases)('%s has the stated variance (within 5 standard errors)', (_, spec, variance) => {
    expectClose(initVariance(spec, shape), variance, 'float64', 'initVariance');
    const w = initialize(spec, shape, new Rng(1).fork('w'));
    const m = moments(w);
    w.dispose();
    // Var of the sample variance: 2σ⁴/n for a normal, 0.8σ⁴/n for a uniform; 5 s.e. either way.
    const se = Math.sqrt(2 / n) * variance;
    expect(Math.abs(m.variance - variance)).toBeLessThan(5 * se);
    expect(Math.abs(m.mean)).toBeLessThan(5 * Math.sqrt(variance / n));
    if (spec.kind === 'uniform' || spec.kind === 'glorot-uniform') {
      expect(m.max).toBeLessThanOrEqual(Math.sqrt(3 * variance) + 1e-6);
    }
  });

  it('keeps the norm of a token through x W at σ = 1 (the convention the papers use)', () => {
    const d = 512;
    const x = tf.tensor(Float32Array.from(new Rng(2).normal(64 * d)), [64, d]);
    const w = normalFanIn(new Rng(2).fork('w'), [d, d]);
    const ratio = tf.tidy(
      () =>
        tf
          .sum(tf.square(tf.matMul(x, w)))
          .div(tf.sum(tf.square(x)))
          .dataSync()[0]!,
    );
    tf.dispose([x, w]);
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  });

  it('is reproducible: same seed and name, same weights', () => {
    const a = initialize({ kind: 'normal', std: 1 }, [5, 7], new Rng(9).fork('blocks.0.attn.wq'));
    const b = initialize({ kind: 'normal', std: 1 }, [5, 7], new Rng(9).fork('blocks.0.attn.wq'));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
  });

  it('makes zeros and constants', () => {
    const z = initialize({ kind: 'zeros' }, [3, 5], new Rng(0));
    const c = initialize({ kind: 'constant', value: 0.25 }, [5], new Rng(0));
    expect(Array.from(z.dataSync())).toEqual(new Array(15).fill(0));
    expect(Array.from(c.dataSync())).toEqual(new Array(5).fill(0.25));
    tf.dispose([z, c]);
  });

  it('computes fans for vectors, matrices and stacked kernels', () => {
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(fans([3, 5])).toEqual({ fanIn: 3, fanOut: 5 });
    expect(fans([2, 3, 5])).toEqual({ fanIn: 6, fanOut: 10 });
  });

  it('rejects bad specs and shapes before making anything', () => {
    const rng = new Rng(0);
    expect(() => initialize({ kind: 'normal', std: -1 }, [2, 2], rng)).toThrow(
      'normal.std must be a finite number ≥ 0, got -1',
    );
    expect(() => initialize({ kind: 'normal', std: Number.NaN }, [2, 2], rng)).toThrow(/normal\.std must be/);
    expect(() => initialize({ kind: 'uniform', std: 1, fanIn: 0 }, [2, 2], rng)).toThrow(
      "uniform.fanIn must be a number > 0, 'auto' or 'none', got 0",
    );
    expect(() => initialize({ kind: 'normal', std: 1 }, [2, 0], rng)).toThrow(
      'shape must be an array of positive integers, got [2, 0]',
    );
    expect(() => initialize({ kind: 'orthogonal' } as never, [2, 2], rng)).toThrow(
      /spec\.kind must be one of/,
    );
  });
});
