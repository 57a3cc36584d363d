/**
 * Objectives that never answer: the limits and the abort signal hold while an evaluation is
 * pending (the pending point counts as failed) and the solver returns its result by the deadline.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { directSearch, minimax, nelderMead } from '../src/index';
import { workerObjective } from '../src/workerObjective';

const quadratic = (x: Float64Array) => (x[0]! - 1) ** 2 + (x[1]! + 2) ** 2;
const never = () => new Promise<number>(() => undefined);
/** Answers for the first `good` calls, then never again. */
function hangsAfter(good: number, f: (x: Float64Array) => number) {
  let calls = 0;
  return (x: Float64Array) => (calls++ < good ? Promise.resolve(f(x)) : never());
}

describe('an objective that never settles', () => {
  it('directSearch, nelderMead and minimax return by maxTimeMs, the pending point counted as failed', async () => {
    const runs = [
      () => directSearch(hangsAfter(40, quadratic), [0, 0], { maxTimeMs: 300, keepHistory: true }),
      () => nelderMead(hangsAfter(40, quadratic), [0, 0], { maxTimeMs: 300, keepHistory: true }),
      () =>
        minimax(
          (x, y) => {
            const v = x[0]! ** 2 - y[0]! ** 2;
            return x[0]! < -0.4 ? never() : v;
          },
          { x0: [0.5], y0: [0.5] },
          { maxTimeMs: 300, keepHistory: true },
        ),
    ];
    for (const run of runs) {
      const started = performance.now();
      const r = await run();
      const ms = performance.now() - started;
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(2000);
      expect(r.status).toBe('max-time');
      const last = r.history!.at(-1)!;
      expect(last.status).toBe('timeout');
      expect(last.error).toMatch(/maxTimeMs = 300 passed while this evaluation was pending/);
    }
  });

  it('an AbortSignal ends a run whose evaluation is pending, with the best point so far', async () => {
    const r = await directSearch(hangsAfter(25, quadratic), [0, 0], { signal: AbortSignal.timeout(200) });
    expect(r.status).toBe('aborted');
    expect(Number.isFinite(r.value)).toBe(true);
    expect(r.value).toBeLessThan(quadratic(Float64Array.of(0, 0)));
  });

  it('a first evaluation that never settles ends the run with no result point, not a hang', async () => {
    const r = await directSearch(never, [0, 0], { maxTimeMs: 100 });
    expect(r.success).toBe(false);
    expect(['max-time', 'evaluations-failed']).toContain(r.status);
  });

  it('awaits thenables like Promises, and evaluationTimeoutMs holds for them', async () => {
    const thenable = (x: Float64Array) =>
      ({
        // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
        then(resolve: (v: number) => void) {
          setTimeout(() => resolve(quadratic(x)), 0);
        },
      }) as unknown as PromiseLike<number>;
    const r = await directSearch(thenable, [0, 0], { maxEvaluations: 300 });
    expect(r.value).toBeLessThan(1e-3);
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    const hung = { then() {} } as unknown as PromiseLike<number>;
    const t = await directSearch((x) => (x[0] === 0 && x[1] === 0 ? 5 : hung), [0, 0], {
      evaluationTimeoutMs: 20,
      maxEvaluations: 12,
      keepHistory: true,
    });
    expect(t.value).toBe(5);
    expect(t.history!.filter((h) => h.status === 'timeout').length).toBe(11);
  });

  it('workerObjective replaces a worker whose synchronous objective runs past timeoutMs', async () => {
    const module = fileURLToPath(new URL('./fixtures/slow-objective.mjs', import.meta.url));
    const pool = workerObjective(module, { workers: 1, timeoutMs: 300 });
    try {
      // x[0] > 5 loops forever (synchronously): only terminating the thread stops it.
      await expect(pool.objective(Float64Array.of(10, 0))).rejects.toThrow(
        /took longer than timeoutMs = 300: its worker thread was replaced/,
      );
      // The replacement answers.
      await expect(pool.objective(Float64Array.of(1, -2))).resolves.toBe(0);
    } finally {
      await pool.close();
    }
    expect(() => workerObjective(module, { timeoutMs: 0 })).toThrow(/timeoutMs must be a number > 0, got 0/);
  });
});
