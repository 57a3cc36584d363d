import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Cell, type ProgressEvent, RunnerError, runCells } from '../src/index';

const cells = (keys: string[], log: string[] = []): Cell<{ key: string }>[] =>
  keys.map((key) => ({
    key,
    run: () => {
      log.push(`run ${key}`);
      return [{ key }];
    },
  }));

describe('runCells in process', () => {
  it('runs cells in order, hands each out before the next starts, and reports progress', async () => {
    const log: string[] = [];
    const events: ProgressEvent[] = [];
    const r = await runCells('demo', cells(['a', 'b', 'c'], log), {
      onCell: (c) => {
        log.push(`stored ${c.key}`);
      },
      onProgress: (e) => events.push(e),
    });
    expect(r.rows.map((x) => x.key)).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['run a', 'stored a', 'run b', 'stored b', 'run c', 'stored c']);
    expect(events.map((e) => [e.done, e.total, e.key, e.reused])).toEqual([
      [1, 3, 'a', false],
      [2, 3, 'b', false],
      [3, 3, 'c', false],
    ]);
    expect(r.failures).toEqual([]);
  });

  it('reuses completed cells without running them, and computes only the ones asked for', async () => {
    const log: string[] = [];
    const r = await runCells('demo', cells(['a', 'b', 'c'], log), {
      completed: [{ key: 'b', rows: [{ key: 'b (stored)' }] }],
    });
    expect(r.rows.map((x) => x.key)).toEqual(['a', 'b (stored)', 'c']);
    expect(log).toEqual(['run a', 'run c']);
    const only = await runCells('demo', cells(['a', 'b', 'c']), { only: ['c'] });
    expect(only.rows.map((x) => x.key)).toEqual(['c']);
  });

  it('stops between cells when aborted, with a user error naming how far it got', async () => {
    const controller = new AbortController();
    const list = cells(['a', 'b', 'c']).map((c, i) => ({
      ...c,
      run: () => {
        if (i === 0) controller.abort();
        return c.run();
      },
    }));
    const error = await runCells('demo', list, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerError);
    expect(error).toMatchObject({
      code: 'E_ABORTED',
      kind: 'user',
      message: 'demo: aborted after 1 of 3 cells',
    });
  });
});

describe('runCells elsewhere (execute)', () => {
  it('returns rows in cell order whatever order cells finish in (any delays, any concurrency)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        async (delays, concurrency) => {
          const keys = delays.map((_, i) => `cell ${i}`);
          const r = await runCells('demo', cells(keys), {
            concurrency,
            execute: async (key) => {
              await new Promise((resolve) => setTimeout(resolve, delays[keys.indexOf(key)]));
              return [{ key }];
            },
          });
          expect(r.rows.map((x) => x.key)).toEqual(keys);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reports a failed cell with its reason and goes on with the others', async () => {
    const stored: string[] = [];
    const r = await runCells('demo', cells(['a', 'b', 'c']), {
      execute: async (key) => {
        if (key === 'b') throw new Error('worker thread failed: out of memory');
        return [{ key }];
      },
      onCell: (c) => {
        stored.push(c.key);
      },
    });
    expect(r.rows.map((x) => x.key)).toEqual(['a', 'c']);
    expect(r.failures).toEqual([{ key: 'b', reason: 'worker thread failed: out of memory' }]);
    expect(stored.sort()).toEqual(['a', 'c']);
  });
});
