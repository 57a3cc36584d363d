/** Failures and limits: what the solvers do with objectives that always fail, unbounded ones, misspelled options and signals. */
import { describe, expect, it } from 'vitest';
import { directSearch, minimax, nelderMead, zerothOrderGDA } from '../src/index';

const quadratic = (x: Float64Array) => (x[0]! - 1) ** 2 + (x[1]! + 2) ** 2;

describe('failures and limits', () => {
  it('an objective that fails on every call ends with success: false and its own status', async () => {
    const fails = () => Number.NaN;
    for (const r of [
      await directSearch(fails, [0, 0], { maxEvaluations: 200 }),
      await nelderMead(fails, [0, 0], { maxEvaluations: 200 }),
      await minimax(() => Number.POSITIVE_INFINITY, { x0: [0], y0: [0] }, { maxEvaluations: 200 }),
    ]) {
      expect(r).toMatchObject({
        status: 'evaluations-failed',
        success: false,
        value: Number.POSITIVE_INFINITY,
      });
      expect(r.message).toMatch(/no evaluation gave a finite value/);
    }
    // One good start point is enough for a result.
    const once = await directSearch((x) => (x[0] === 0 ? 1 : Number.NaN), [0], { maxEvaluations: 50 });
    expect(once.status).not.toBe('evaluations-failed');
  });

  it('an objective unbounded below ends as diverged, not as a converged or spent run', async () => {
    // −‖x‖² overflows to −∞ once |x| passes ~1e154: the objective says it has no minimum.
    const unbounded = (x: Float64Array) => -(x[0]! ** 2 + x[1]! ** 2);
    const ds = await directSearch(unbounded, [1, 1], { maxEvaluations: 100_000 });
    expect(ds).toMatchObject({ status: 'diverged', success: false });
    expect(ds.evaluations).toBeLessThan(100_000);
    const nm = await nelderMead(unbounded, [1, 1], { maxEvaluations: 100_000 });
    expect(nm).toMatchObject({ status: 'diverged', success: false });
    // A bounded objective whose infimum is at infinity is not "diverged": flat in float64, it stops.
    const flat = await directSearch((x) => -Math.atan(x[0]!), [0], { maxEvaluations: 100_000 });
    expect(flat.status).toBe('min-step');
  });

  it('refuses minStep 0 (the step would underflow and the poll run empty forever) and takes an infinite budget', async () => {
    await expect(directSearch(quadratic, [0, 0], { minStep: 0 })).rejects.toThrow(
      /minStep must be a finite number > 0, got 0/,
    );
    await expect(
      minimax((x, y) => x[0]! - y[0]!, { x0: [0], y0: [0] }, { max: { minStep: 0 } }),
    ).rejects.toThrow(/max\.minStep must be/);
    const r = await directSearch(quadratic, [0, 0], { maxEvaluations: Number.POSITIVE_INFINITY });
    expect(r.status).toBe('min-step');
    expect(r.x[0]).toBeCloseTo(1, 6);
  });

  it('stops a synchronous objective when its AbortSignal fires from a timer', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const busy = (x: Float64Array) => {
      const until = performance.now() + 2; // a slow, synchronous simulator
      while (performance.now() < until);
      return quadratic(x);
    };
    const started = performance.now();
    const r = await directSearch(busy, [0, 0], {
      signal: controller.signal,
      maxEvaluations: Number.POSITIVE_INFINITY,
      minStep: Number.MIN_VALUE,
      search: 'none',
    });
    expect(r.status).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('names a misspelled option and the one it meant, for every solver', async () => {
    await expect(directSearch(quadratic, [0, 0], { maxEvals: 10 } as never)).rejects.toThrow(
      /options\.maxEvals is not an option \(did you mean maxEvaluations\?\)/,
    );
    await expect(nelderMead(quadratic, [0, 0], { initalStep: 1 } as never)).rejects.toThrow(
      /did you mean initialStep\?/,
    );
    await expect(
      minimax((x, y) => x[0]! - y[0]!, { x0: [0], y0: [0] }, { min: { polSet: 'coordinate' } } as never),
    ).rejects.toThrow(/options\.min\.polSet is not an option \(did you mean pollSet\?\)/);
    await expect(
      zerothOrderGDA((x, y) => x[0]! - y[0]!, { x0: [0], y0: [0] }, { smothing: 1e-3 } as never),
    ).rejects.toThrow(/did you mean smoothing\?/);
  });
  it('refuses a signal that is not an AbortSignal and hooks that are not functions, naming them, before any call', async () => {
    let calls = 0;
    const counted = (x: Float64Array) => {
      calls++;
      return quadratic(x);
    };
    const game = (x: Float64Array, y: Float64Array) => {
      calls++;
      return x[0]! - y[0]!;
    };
    // biome-ignore lint/suspicious/noExplicitAny: wrong types on purpose
    const bad = (o: Record<string, unknown>) => o as any;
    await expect(directSearch(counted, [0, 0], bad({ signal: 'stop' }))).rejects.toThrow(
      /signal must be an AbortSignal .*got "stop"/,
    );
    await expect(nelderMead(counted, [0, 0], bad({ signal: 'stop' }))).rejects.toThrow(
      /signal must be an AbortSignal/,
    );
    await expect(minimax(game, { x0: [0], y0: [0] }, bad({ signal: {} }))).rejects.toThrow(
      /signal must be an AbortSignal/,
    );
    await expect(directSearch(counted, [0, 0], bad({ onEvaluation: 3 }))).rejects.toThrow(
      /onEvaluation must be a function, got 3/,
    );
    await expect(zerothOrderGDA(game, { x0: [0], y0: [0] }, bad({ maxEvals: 3 }))).rejects.toThrow(
      /options\.maxEvals is not an option \(did you mean maxEvaluations\?\)/,
    );
    expect(calls).toBe(0);
  });
});
