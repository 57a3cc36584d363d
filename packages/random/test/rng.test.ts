import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/index';

describe('Rng', () => {
  it('gives the same numbers for the same seed and path', () => {
    expect(new Rng(7).fork('a').normal(32)).toEqual(new Rng(7).fork('a').normal(32));
    expect(new Rng('run-1').uniform(16)).toEqual(new Rng('run-1').uniform(16));
  });

  it('gives different numbers for different seeds, names and depths', () => {
    const a = new Rng(7).fork('blocks.0.attn.wq').normal(8);
    expect(new Rng(8).fork('blocks.0.attn.wq').normal(8)).not.toEqual(a);
    expect(new Rng(7).fork('blocks.0.attn.wk').normal(8)).not.toEqual(a);
    expect(new Rng(7).fork('blocks.0').fork('attn.wq').normal(8)).not.toEqual(a);
    expect(new Rng(7).normal(8)).not.toEqual(a);
    expect(new Rng(7).normal(8)).not.toEqual(new Rng('7').normal(8));
  });

  it("does not let one stream's use or a new sibling change another stream", () => {
    const root = new Rng(3);
    const before = root.fork('blocks.1.attn.wv').normal(16);
    root.normal(1000);
    root.fork('blocks.0.attn.wv').normal(1000);
    root.fork('blocks.2.mlp.w1'); // a new layer
    expect(root.fork('blocks.1.attn.wv').normal(16)).toEqual(before);
  });

  it('draws standard normals with the right moments (n = 200k, 6σ bounds)', () => {
    const n = 200_000;
    const z = new Rng(11).normal(n);
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    for (const v of z) {
      m1 += v;
      m2 += v * v;
      m4 += v ** 4;
    }
    m1 /= n;
    m2 /= n;
    m4 /= n;
    // sd(mean) = 1/√n; sd(m2) = √(2/n); sd(m4) = √(96/n)
    expect(Math.abs(m1)).toBeLessThan(6 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(6 * Math.sqrt(2 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(6 * Math.sqrt(96 / n));
  });

  it('keeps uniforms in [low, high) and integers in [0, n) (property)', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (seed, low, width, n) => {
          const rng = new Rng(seed);
          for (const u of rng.uniform(50, low, low + width)) {
            if (!(u >= low && u < low + width)) return false;
          }
          for (let i = 0; i < 50; i++) {
            const k = rng.int(n);
            if (!(Number.isInteger(k) && k >= 0 && k < n)) return false;
          }
          return true;
        },
      ),
    );
  });

  it('has no visible bias in the low bits (chi-square over 16 buckets)', () => {
    const rng = new Rng(5);
    const counts = new Array<number>(16).fill(0);
    const n = 160_000;
    for (let i = 0; i < n; i++) counts[rng.nextUint32() & 15]! += 1;
    const e = n / 16;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(45); // 15 dof: P(χ² > 45) ≈ 8e-5
  });

  it('rejects bad seeds and names', () => {
    expect(() => new Rng(1.5)).toThrow('seed must be a safe integer or a string, got 1.5');
    expect(() => new Rng(Number.NaN)).toThrow(/seed must be/);
    expect(() => new Rng(1).fork('')).toThrow('name must be a non-empty string, got ""');
    expect(() => new Rng(1).normal(-1)).toThrow('count must be an integer ≥ 0, got -1');
  });
});
