import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { directSearch, minimax } from '../src/index';
import { workerObjective } from '../src/workerObjective';
// @ts-expect-error a plain JavaScript fixture without types
import rosenbrock, { game } from './fixtures/slow-objectives.mjs';

const fixture = fileURLToPath(new URL('./fixtures/slow-objectives.mjs', import.meta.url));

describe('workerObjective', () => {
  it('direct search with complete polling on 2 workers gives exactly the serial run', async () => {
    const options = { polling: 'complete', maxEvaluations: 400, pollSet: 'coordinate' } as const;
    const serial = await directSearch(rosenbrock as (x: Float64Array) => number, [-1.2, 1, 0.5], options);
    const pool = workerObjective(fixture, { workers: 2 });
    try {
      const parallel = await directSearch(pool.objective, [-1.2, 1, 0.5], {
        ...options,
        concurrency: pool.workers,
      });
      expect(Array.from(parallel.x)).toEqual(Array.from(serial.x));
      expect(parallel.value).toBe(serial.value);
      expect(parallel.evaluations).toBe(serial.evaluations);
      expect(parallel.status).toBe(serial.status);
    } finally {
      await pool.close();
    }
  });

  it('serves min-max objectives f(x, y) too', async () => {
    const start = { x0: [0, 0], y0: [0, 0] };
    const complete = { polling: 'complete' } as const;
    const options = { maxEvaluations: 600, min: complete, max: complete };
    const serial = await minimax(game as (x: Float64Array, y: Float64Array) => number, start, options);
    const pool = workerObjective(fixture, { workers: 2, exportName: 'game' });
    try {
      const parallel = await minimax(
        pool.objective as (x: Float64Array, y: Float64Array) => Promise<number>,
        start,
        {
          ...options,
          concurrency: 2,
        },
      );
      expect(Array.from(parallel.x)).toEqual(Array.from(serial.x));
      expect(Array.from(parallel.y)).toEqual(Array.from(serial.y));
      expect(parallel.evaluations).toBe(serial.evaluations);
    } finally {
      await pool.close();
    }
  });

  it('never spends more than the budget, however many evaluations run at once', async () => {
    const sphere = (x: Float64Array) => x.reduce((a, v) => a + v * v, 0);
    for (const concurrency of [1, 3, 4]) {
      const r = await directSearch(sphere, [1, 2, 3], {
        polling: 'complete',
        concurrency,
        maxEvaluations: 10,
      });
      expect(r.evaluations).toBe(10);
      expect(r.status).toBe('max-evaluations');
    }
  });

  it('reports a module without the function, and rejects bad options', async () => {
    const pool = workerObjective(fixture, { workers: 1, exportName: 'notAFunction' });
    await expect(pool.objective(Float64Array.of(1))).rejects.toThrow(/exports no function "notAFunction"/);
    await pool.close();
    expect(() => workerObjective(fixture, { workers: 0 })).toThrow(
      /options.workers must be an integer ≥ 1, got 0/,
    );
  });
});
