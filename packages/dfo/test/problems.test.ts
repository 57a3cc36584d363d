import { Rng } from '@trainlab/random';
import { describe, expect, it } from 'vitest';
import {
  bestSoFar,
  dataProfile,
  MORE_WILD_FUNCTIONS,
  MORE_WILD_VARIANTS,
  moreWildObjective,
  moreWildProblems,
  performanceProfile,
  solveTimes,
  wildNoise,
} from '../src/index';

const problems = moreWildProblems();
const byName = (prefix: string) => problems.find((p) => p.name.startsWith(prefix) && !p.scaled)!;

describe('Moré–Wild problems', () => {
  it('has the 53 problems of the table, from 22 functions, with consistent sizes', () => {
    expect(problems).toHaveLength(53);
    expect(new Set(problems.map((p) => p.functionNumber)).size).toBe(22);
    expect(MORE_WILD_FUNCTIONS).toHaveLength(22);
    expect(problems.filter((p) => p.scaled)).toHaveLength(16);
    for (const p of problems) {
      expect(p.x0).toHaveLength(p.n);
      expect(p.residuals(p.x0)).toHaveLength(p.m);
      expect(Number.isFinite(p.f(p.x0))).toBe(true);
    }
  });

  // f(x0) values published by Moré, Garbow & Hillstrom (1981) for the standard starting points.
  it.each([
    ['Rosenbrock', 24.2],
    ['Freudenstein–Roth', 400.5],
    ['helical valley', 2500],
    ['Powell singular', 215],
    ['Bard', 41.6817],
    ['Box 3-D', 1031.15],
    ['Jennrich–Sampson', 4171.31],
    ['Brown–Dennis', 7.92669e6],
    ['Meyer', 1.69361e9],
    ['Osborne 1', 0.879026],
    ['Osborne 2', 2.09342],
    ['Kowalik–Osborne', 5.31317e-3],
  ])('f(x0) of %s is %s', (name, value) => {
    const p = byName(name);
    expect(Math.abs(p.f(p.x0) - value) / value).toBeLessThan(5e-6);
  });

  it('gives the published minima at the published solutions', () => {
    // Osborne 2: f* = 4.01377e-2 at the NIST/MGH solution.
    const osborne2 = byName('Osborne 2');
    const xs = Float64Array.of(
      1.3099771546537,
      0.43155379466611,
      0.63366169898352,
      0.59943053483825,
      0.75418322650124,
      0.90428857933176,
      1.3658118355256,
      4.82369881684,
      2.3986848661039,
      4.5688745976743,
      5.67534147057,
    );
    expect(osborne2.f(xs)).toBeCloseTo(4.01377e-2, 6);
    // Rosenbrock, Powell singular, helical valley, Box 3-D: f* = 0 at known points.
    expect(byName('Rosenbrock').f(Float64Array.of(1, 1))).toBe(0);
    expect(byName('Powell singular').f(new Float64Array(4))).toBe(0);
    expect(byName('helical valley').f(Float64Array.of(1, 0, 0))).toBe(0);
    expect(byName('Box 3-D').f(Float64Array.of(1, 10, 1))).toBeCloseTo(0, 20);
    // Watson from MGH's own start 0: 29 residuals −1, r₃₀ = 0, r₃₁ = −1 → 30.
    expect(byName('Watson').f(new Float64Array(6))).toBe(30);
    // …but the benchmark starts it where Moré & Wild's dfoxs does: 0.5·1, and 5·1 for the ×10 instances.
    const watson = moreWildProblems().filter((p) => p.name.startsWith('Watson'));
    expect(watson.map((p) => [p.n, p.x0[0], p.x0.every((v) => v === p.x0[0])])).toEqual([
      [6, 0.5, true],
      [6, 5, true],
      [9, 0.5, true],
      [9, 5, true],
      [12, 0.5, true],
      [12, 5, true],
    ]);
    // Linear full rank at 1: 9 residuals −0.4 and 36 residuals −1.4 → 72.
    expect(byName('linear full rank').f(byName('linear full rank').x0)).toBeCloseTo(72, 10);
  });

  it('makes the four variants: wild noise is deterministic and within ±ε_f, noisy is seeded', () => {
    const p = byName('Rosenbrock');
    const x = Float64Array.of(0.3, -0.7);
    const smooth = moreWildObjective(p, 'smooth')(x);
    expect(moreWildObjective(p, 'nondiff')(x)).toBeCloseTo(
      p.residuals(x).reduce((s, r) => s + Math.abs(r), 0),
      12,
    );
    const wild = moreWildObjective(p, 'wild');
    expect(wild(x)).toBe(wild(x));
    expect(Math.abs(wild(x) / smooth - 1)).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(wildNoise(x))).toBeLessThanOrEqual(1);
    const a = moreWildObjective(p, 'noisy', new Rng(1));
    const b = moreWildObjective(p, 'noisy', new Rng(1));
    const va = [a(x), a(x)];
    expect([b(x), b(x)]).toEqual(va);
    expect(va[0]).not.toBe(va[1]);
    for (const v of va) expect(Math.abs(v / smooth - 1)).toBeLessThanOrEqual(1e-3);
    expect(MORE_WILD_VARIANTS).toEqual(['smooth', 'nondiff', 'wild', 'noisy']);
    expect(() => moreWildObjective(p, 'noisy')).toThrow("rng must be given for the 'noisy' variant");
  });
});

describe('profiles', () => {
  // Two problems (n = 1 and n = 3), two solvers; f(x0) = 10 everywhere.
  const traces = [
    { solver: 'A', problem: 'p1', dimension: 1, initialValue: 10, bestSoFar: bestSoFar([9, 5, 1, 0]) },
    { solver: 'B', problem: 'p1', dimension: 1, initialValue: 10, bestSoFar: bestSoFar([8, 8, 8, 2]) },
    {
      solver: 'A',
      problem: 'p2',
      dimension: 3,
      initialValue: 10,
      bestSoFar: bestSoFar([10, 10, 10, 10, 10, 10, 10, 10]),
    },
    {
      solver: 'B',
      problem: 'p2',
      dimension: 3,
      initialValue: 10,
      bestSoFar: bestSoFar([10, 6, Number.NaN, 4, 4, 4, 4, 4]),
    },
  ];

  it('applies the convergence test f(x0) − f(x) ≥ (1 − τ)(f(x0) − f_L) with f_L the best of all solvers', () => {
    // p1: f_L = 0; τ = 0.1 needs f ≤ 1 → A at 3, B never. p2: f_L = 4; needs f ≤ 4.6 → A never, B at 4.
    const t = solveTimes(traces, 0.1);
    expect(t.get('p1')).toEqual(
      new Map([
        ['A', 3],
        ['B', Number.POSITIVE_INFINITY],
      ]),
    );
    expect(t.get('p2')).toEqual(
      new Map([
        ['A', Number.POSITIVE_INFINITY],
        ['B', 4],
      ]),
    );
    // τ = 0.5 needs f ≤ 5 on p1 → A at 2, B at 4.
    expect(solveTimes(traces, 0.5).get('p1')).toEqual(
      new Map([
        ['A', 2],
        ['B', 4],
      ]),
    );
  });

  it('counts budgets in simplex gradients for data profiles', () => {
    const fig = dataProfile(traces, 0.1, [0, 1, 2, 3]);
    // A solves p1 at 3 evaluations = 1.5 simplex gradients (n + 1 = 2); B solves p2 at 4 = 1 simplex gradient.
    expect(fig.series).toEqual([
      { solver: 'A', y: [0, 0, 0.5, 0.5] },
      { solver: 'B', y: [0, 0.5, 0.5, 0.5] },
    ]);
    expect(fig.kind).toBe('data-profile');
  });

  it('gives performance profiles relative to the best solver on each problem', () => {
    const fig = performanceProfile(traces, 0.5, [1, 2, 4]);
    // p1: A 2, B 4 (ratio 2); p2: A ∞, B 4.
    expect(fig.series).toEqual([
      { solver: 'A', y: [0.5, 0.5, 0.5] },
      { solver: 'B', y: [0.5, 1, 1] },
    ]);
    expect(() => performanceProfile(traces, 0.5, [0.5])).toThrow('ratios must be numbers ≥ 1, got [0.5]');
    expect(() => solveTimes(traces, 1)).toThrow('tau must be a finite number > 0 and < 1, got 1');
  });
});
