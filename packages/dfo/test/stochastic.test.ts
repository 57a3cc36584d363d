import { describe, expect, it } from 'vitest';
import { resolveEstimation } from '../src/estimation';
import { directSearch, type EvaluationRecord, type Oracle, requiredSamples } from '../src/index';

/** f(x) = Σ (i+1)(x_i − 1)², observed with additive N(0, σ²) noise. */
function noisyQuadratic(sigma: number): Oracle & { f(x: Float64Array): number } {
  const f = (x: Float64Array) => x.reduce((s, v, i) => s + (i + 1) * (v - 1) ** 2, 0);
  return { f, sample: (x, rng) => f(x) + sigma * rng.nextNormal() };
}

describe('probabilistically accurate estimates', () => {
  it('sizes samples by the Chebyshev bound N ≥ V/((1 − β) ε_f² α⁴), between the pilot and the cap', () => {
    const e = resolveEstimation(
      { kind: 'adaptive', accuracy: 0.5, probability: 0.75, pilotSamples: 4, maxSamples: 1e6 },
      1,
    );
    // V = 1, α = 1: 1 / (0.25 · 0.5²) = 16
    expect(requiredSamples(1, 1, e)).toBe(16);
    // α halves ⇒ α⁴ / 16 ⇒ 16× the samples
    expect(requiredSamples(1, 0.5, e)).toBe(256);
    expect(requiredSamples(1e-9, 1, e)).toBe(4);
    expect(requiredSamples(1, 1e-3, e)).toBe(1e6);
    expect(requiredSamples(1, 0.5, resolveEstimation({ kind: 'fixed', samples: 7 }, 1))).toBe(7);
  });

  it('meets the accuracy it promises: |f̂ − f| ≤ ε_f α² in at least β of the estimates', async () => {
    const oracle = noisyQuadratic(0.5);
    const accuracy = 0.25;
    const records: EvaluationRecord[] = [];
    const steps = new Map<number, number>();
    await directSearch(oracle, [0, 0, 0], {
      seed: 2,
      estimation: { kind: 'adaptive', accuracy, probability: 0.9, maxSamples: 1e6 },
      maxEvaluations: 300_000,
      maxIterations: 40,
      onIteration: (i) => steps.set(i.iteration + 1, i.stepAfter),
      onEvaluation: (r) => records.push(r),
    });
    steps.set(1, 1);
    const checked = records.filter((r) => r.status === 'ok' && r.iteration > 0);
    const within = checked.filter((r) => {
      const alpha = steps.get(r.iteration)!;
      return Math.abs(r.value - oracle.f(r.x)) <= accuracy * alpha ** 2;
    });
    expect(checked.length).toBeGreaterThan(50);
    // Chebyshev is conservative: the observed share is well above β = 0.9.
    expect(within.length / checked.length).toBeGreaterThanOrEqual(0.9);
    // Sample sizes grow as the step shrinks.
    const first = checked[0]!.samples;
    const last = checked[checked.length - 1]!.samples;
    expect(last).toBeGreaterThan(first);
  });

  it('converges on a noisy quadratic (σ = 0.1) to within 0.02 of the minimizer', async () => {
    const oracle = noisyQuadratic(0.1);
    for (const seed of [1, 2, 3]) {
      const r = await directSearch(oracle, new Float64Array(4), { seed, maxEvaluations: 400_000 });
      for (const v of r.x) expect(Math.abs(v - 1)).toBeLessThan(0.02);
      expect(oracle.f(r.x)).toBeLessThan(1e-3);
    }
  });

  it('is reproducible from its seed, and common random numbers make the poll compare like with like', async () => {
    const oracle = noisyQuadratic(1);
    const a = await directSearch(oracle, [0, 0], { seed: 5, maxEvaluations: 5000 });
    const b = await directSearch(oracle, [0, 0], { seed: 5, maxEvaluations: 5000 });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    // With common random numbers the noise of one iteration is shared: the same ξ stream at every point.
    const streams: number[][] = [];
    const probe: Oracle = {
      sample: (x, rng) => {
        const xi = rng.nextNormal();
        streams.push([x[0]!, xi]);
        return x[0]! ** 2 + xi;
      },
    };
    await directSearch(probe, [1], { estimation: { kind: 'fixed', samples: 1 }, maxIterations: 1, seed: 1 });
    const firstIteration = streams.slice(1); // after the start point: centre + poll points of iteration 1
    expect(new Set(firstIteration.map(([, xi]) => xi)).size).toBe(1);
    streams.length = 0;
    await directSearch(probe, [1], {
      estimation: { kind: 'fixed', samples: 1 },
      maxIterations: 1,
      seed: 1,
      commonRandomNumbers: false,
    });
    expect(new Set(streams.slice(1).map(([, xi]) => xi)).size).toBe(streams.length - 1);
  });

  it('rejects bad estimation options', async () => {
    const oracle = noisyQuadratic(1);
    await expect(
      directSearch(oracle, [0], { estimation: { kind: 'adaptive', probability: 1 } }),
    ).rejects.toThrow('estimation.probability must be a finite number ≥ 0 and < 1, got 1');
    await expect(directSearch(oracle, [0], { estimation: { kind: 'fixed', samples: 0 } })).rejects.toThrow(
      'estimation.samples must be an integer ≥ 1, got 0',
    );
  });
});
