import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DfoError,
  directSearch,
  type EvaluationRecord,
  type IterationInfo,
  iterateDirectSearch,
  POLL_SET_NAMES,
} from '../src/index';

const rosenbrock = (x: Float64Array) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
/** A convex quadratic with minimum at c = (1, −2, 3, …) and value 0; weights make it anisotropic. */
const quadratic = (x: Float64Array) =>
  x.reduce((s, v, i) => s + (i + 1) * (v - (i % 2 === 0 ? i + 1 : -(i + 1))) ** 2, 0);
const quadraticMin = (n: number) =>
  Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i + 1 : -(i + 1)));

describe('directSearch: known minima', () => {
  it.each(POLL_SET_NAMES)('finds the minimum of a 5-D quadratic with the %s poll set', async (pollSet) => {
    const r = await directSearch(quadratic, new Float64Array(5), {
      pollSet,
      seed: 3,
      maxEvaluations: 20_000,
    });
    expect(r.status).toBe('min-step');
    expect(r.success).toBe(true);
    const c = quadraticMin(5);
    for (let i = 0; i < 5; i++) expect(r.x[i]).toBeCloseTo(c[i]!, 5);
    expect(r.value).toBeLessThan(1e-9);
  });

  it.each(['random-orthogonal', 'probabilistic'] as const)(
    'finds the Rosenbrock minimum (1, 1) with %s polls',
    async (pollSet) => {
      const r = await directSearch(rosenbrock, [-1.2, 1], { pollSet, seed: 1, maxEvaluations: 50_000 });
      expect(r.x[0]).toBeCloseTo(1, 4);
      expect(r.x[1]).toBeCloseTo(1, 4);
      expect(r.value).toBeLessThan(1e-8);
    },
  );

  it('accepts a user-given poll set and a user search step', async () => {
    const D = [
      [1, 0],
      [0, 1],
      [-1, -1],
    ];
    let searched = 0;
    const r = await directSearch(quadratic, [0, 0], {
      pollSet: D,
      search: ({ x }) => {
        searched++;
        return [[x[0]! + 0.1, x[1]! - 0.1]];
      },
      maxEvaluations: 5000,
    });
    expect(searched).toBeGreaterThan(0);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(-2, 5);
  });

  it('works with async objectives, polled in parallel, and gives the serial result with complete polling', async () => {
    const asyncF = async (x: Float64Array) => {
      await new Promise((res) => setTimeout(res, 0));
      return quadratic(x);
    };
    const serial = await directSearch(quadratic, [3, 3, 3], { polling: 'complete', maxEvaluations: 3000 });
    const parallel = await directSearch(asyncF, [3, 3, 3], {
      polling: 'complete',
      concurrency: 4,
      maxEvaluations: 3000,
    });
    expect(Array.from(parallel.x)).toEqual(Array.from(serial.x));
    expect(parallel.evaluations).toBe(serial.evaluations);
    let inFlight = 0;
    let peak = 0;
    await directSearch(
      async (x) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((res) => setTimeout(res, 1));
        inFlight--;
        return quadratic(x);
      },
      [3, 3, 3],
      { concurrency: 3, maxEvaluations: 60 },
    );
    expect(peak).toBe(3);
  });
});

describe('directSearch: invariants (property tests)', () => {
  it('accepts only sufficient decrease and updates the step by γ (poll), within [1, γ] (search) or θ', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 4 }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        fc.constantFrom(...POLL_SET_NAMES),
        fc.integer({ min: 0, max: 1000 }),
        async (x0, gamma, theta, pollSet, seed) => {
          const c = 1e-3;
          const infos: IterationInfo[] = [];
          const r = await directSearch(quadratic, x0, {
            pollSet,
            seed,
            expansion: gamma,
            contraction: theta,
            forcingFunction: { constant: c },
            maxEvaluations: 400,
            onIteration: (i) => infos.push(i),
          });
          let previous = quadratic(Float64Array.from(x0));
          for (const it of infos) {
            if (it.success) {
              // monotone accepted values, with the forcing function's margin
              if (!(it.value < previous - c * it.stepBefore ** 2)) return false;
              if (it.acceptedBy === 'poll') {
                if (Math.abs(it.stepAfter - gamma * it.stepBefore) > 1e-12 * it.stepAfter) return false;
              } else {
                // a model (search) step: α becomes the step's length, clamped to [α, γα]
                if (it.acceptedBy !== 'search') return false;
                if (!(it.stepAfter >= it.stepBefore && it.stepAfter <= gamma * it.stepBefore * (1 + 1e-12)))
                  return false;
              }
            } else {
              if (it.value !== previous) return false;
              if (Math.abs(it.stepAfter - theta * it.stepBefore) > 1e-12 * it.stepBefore) return false;
            }
            previous = it.value;
          }
          return r.value === previous && r.value === quadratic(r.x);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('never lets the step exceed maxStep', async () => {
    const steps: number[] = [];
    await directSearch((x) => -x[0]!, [0], {
      maxStep: 4,
      maxEvaluations: 100,
      onIteration: (i) => steps.push(i.stepAfter),
    });
    expect(Math.max(...steps)).toBe(4);
  });
});

describe('directSearch: reproducibility', () => {
  it('gives identical runs for the same seed and different ones for another', async () => {
    const run = async (seed: number) => {
      const records: EvaluationRecord[] = [];
      await directSearch(rosenbrock, [-1.2, 1], {
        pollSet: 'probabilistic',
        seed,
        maxEvaluations: 300,
        onEvaluation: (r) => records.push(r),
      });
      return records.map((r) => [r.value, ...r.x]);
    };
    expect(await run(7)).toEqual(await run(7));
    expect(await run(7)).not.toEqual(await run(8));
  });
});

describe('directSearch: failures, limits and the stream', () => {
  it('survives NaN, ±Infinity, throws and timeouts, and records them', async () => {
    const f = async (x: Float64Array) => {
      if (x[0]! > 2.5) return Number.NaN;
      if (x[0]! < -2.5) return Number.POSITIVE_INFINITY;
      if (x[1]! > 2.5) throw new Error('simulator crashed');
      if (x[1]! < -2.5) return new Promise<number>(() => {}); // never answers
      return quadratic(x);
    };
    // The coordinate poll with unit steps and no search walks into every failing region.
    const r = await directSearch(f, [2, 2], {
      search: 'none',
      pollSet: 'coordinate',
      scale: 'none',
      initialStep: 1,
      evaluationTimeoutMs: 20,
      keepHistory: true,
      maxEvaluations: 2000,
    });
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(-2, 5);
    const statuses = new Set(r.history!.map((h) => h.status));
    expect(statuses).toEqual(new Set(['ok', 'nan', 'infinite', 'error', 'timeout']));
    expect(r.history!.find((h) => h.status === 'error')?.error).toBe('simulator crashed');
    expect(r.failures).toBe(r.history!.filter((h) => h.status !== 'ok').length);
  });

  it('stops on the evaluation budget, the target, the iteration budget, wall time and an AbortSignal', async () => {
    const budget = await directSearch(rosenbrock, [-1.2, 1], { maxEvaluations: 37 });
    expect(budget).toMatchObject({ status: 'max-evaluations', evaluations: 37, success: false });
    const target = await directSearch(quadratic, [0, 0], { targetValue: 0.5 });
    expect(target.status).toBe('target');
    expect(target.value).toBeLessThanOrEqual(0.5);
    const iters = await directSearch(rosenbrock, [-1.2, 1], { maxIterations: 5 });
    expect(iters).toMatchObject({ status: 'max-iterations', iterations: 5 });
    const slow = async (x: Float64Array) => {
      await new Promise((res) => setTimeout(res, 5));
      return rosenbrock(x);
    };
    const timed = await directSearch(slow, [-1.2, 1], { maxTimeMs: 50 });
    expect(timed.status).toBe('max-time');
    const controller = new AbortController();
    const aborted = await directSearch(
      (x) => {
        if (x[0]! > -1) controller.abort();
        return rosenbrock(x);
      },
      [-1.2, 1],
      { signal: controller.signal },
    );
    expect(aborted.status).toBe('aborted');
    expect(aborted.message).toBe('the AbortSignal fired');
  });

  it('streams every evaluation through an async iterator and returns the result', async () => {
    const seen: number[] = [];
    const gen = iterateDirectSearch(quadratic, [0, 0], { maxEvaluations: 40 });
    let step = await gen.next();
    while (!step.done) {
      seen.push(step.value.evaluations);
      step = await gen.next();
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(step.value.evaluations).toBe(40);
  });

  it('keeps points inside bounds, by projection or by extreme barrier', async () => {
    for (const handling of ['projection', 'extreme-barrier'] as const) {
      const inside: boolean[] = [];
      const r = await directSearch(
        (x) => {
          inside.push(x[0]! >= 0 && x[0]! <= 0.5 && x[1]! >= -1 && x[1]! <= 1);
          return quadratic(x);
        },
        [0.2, 0],
        { bounds: { lower: [0, -1], upper: [0.5, 1], handling }, maxEvaluations: 2000 },
      );
      expect(inside.every(Boolean)).toBe(true);
      // The constrained minimum of the separable quadratic is the projection of (1, −2): (0.5, −1).
      expect(r.x[0]).toBeCloseTo(0.5, 5);
      expect(r.x[1]).toBeCloseTo(-1, 5);
    }
  });
});

describe('directSearch: bad input is rejected before any evaluation', () => {
  const cases: [
    string,
    Parameters<typeof directSearch>[1],
    Parameters<typeof directSearch>[2],
    string | RegExp,
  ][] = [
    ['x0 not finite', [0, Number.NaN], {}, 'x0[1] must be a finite number, got NaN'],
    ['empty x0', [], {}, 'x0 must be a non-empty array of finite numbers, got []'],
    ['γ < 1', [0], { expansion: 0.5 }, 'expansion must be a finite number ≥ 1, got 0.5'],
    ['θ ∉ (0,1)', [0], { contraction: 1 }, 'contraction must be a finite number > 0 and < 1, got 1'],
    [
      'c < 0',
      [0],
      { forcingFunction: { constant: -1 } },
      'forcingFunction.constant must be a finite number ≥ 0, got -1',
    ],
    [
      'p ≤ 1',
      [0],
      { forcingFunction: { exponent: 1 } },
      'forcingFunction.exponent must be a finite number > 1, got 1',
    ],
    ['unknown poll set', [0], { pollSet: 'simplex' as never }, /^pollSet must be one of 'coordinate'/],
    [
      'direction of the wrong length',
      [0, 0],
      { pollSet: [[1, 0], [0]] },
      'pollSet[1] must have length 2, got length 1',
    ],
    ['zero direction', [0], { pollSet: [[0]] }, 'pollSet[0] must be a nonzero direction, got [0]'],
    [
      'maxStep < initialStep',
      [0],
      { initialStep: 2, maxStep: 1 },
      /^maxStep must be a number \(Infinity allowed\) ≥ 2, got 1$/,
    ],
    [
      'bounds of the wrong length',
      [0, 0],
      { bounds: { lower: [0] } },
      'bounds.lower must be an array of length 2, got "length 1"',
    ],
    [
      'x0 outside the bounds',
      [2],
      { bounds: { upper: [1] } },
      'start point[0] must be within the bounds [-Infinity, 1], got 2',
    ],
    ['bad budget', [0], { maxEvaluations: 0 }, 'maxEvaluations must be an integer ≥ 1, got 0'],
    ['bad concurrency', [0], { concurrency: 1.5 }, 'concurrency must be an integer ≥ 1, got 1.5'],
  ];
  it.each(cases)('%s', async (_, x0, options, message) => {
    let calls = 0;
    const f = (x: Float64Array) => {
      calls++;
      return x[0]!;
    };
    await expect(directSearch(f, x0, options)).rejects.toThrow(DfoError);
    await expect(directSearch(f, x0, options)).rejects.toThrow(message);
    expect(calls).toBe(0);
  });

  it('rejects an objective that is neither a function nor an oracle', async () => {
    await expect(directSearch({} as never, [0])).rejects.toThrow(
      /^f must be a function \(x\) => number or an oracle/,
    );
  });
});
