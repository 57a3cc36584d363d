/** A cell's own compute time, progress from inside cells, and the memory check before any work. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CellResult, checkMemory, type ExperimentDefinition, formatBytes, runCells } from '../src/index';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('cell timing and progress', () => {
  it('times each cell by its own work, not by the wait before it (in process and elsewhere)', async () => {
    const cells = [
      { key: 'reused', run: () => [0] },
      {
        key: 'slow',
        run: () => {
          busy(40);
          return [1];
        },
      },
      { key: 'fast', run: () => [2] },
    ];
    const stored: CellResult<number>[] = [];
    await runCells('t', cells, {
      completed: [{ key: 'reused', rows: [0] }],
      onCell: (c) => void stored.push(c),
    });
    expect(stored.map((c) => c.key)).toEqual(['slow', 'fast']);
    expect(stored[0]!.ms).toBeGreaterThanOrEqual(40);
    expect(stored[1]!.ms).toBeLessThan(40); // the slow cell before it is not counted in
    // An executor that timed the cell where it ran is believed (a worker waiting in a queue is not work).
    const elsewhere: CellResult<number>[] = [];
    await runCells('t', cells, {
      execute: async (key) => {
        await new Promise((r) => setTimeout(r, 30)); // queueing
        return { rows: [key.length], ms: 7 };
      },
      onCell: (c) => void elsewhere.push(c),
    });
    expect(elsewhere.map((c) => c.ms)).toEqual([7, 7, 7]);
  });

  it('passes progress from inside a cell to onCellProgress, with the cell’s key', async () => {
    const seen: string[] = [];
    const cells = [
      {
        key: 'train',
        run: (progress?: (d: number, t: number) => void) => {
          for (let s = 1; s <= 3; s++) progress?.(s, 3);
          return [1];
        },
      },
    ];
    await runCells('t', cells, { onCellProgress: (key, d, t) => seen.push(`${key} ${d}/${t}`) });
    await runCells('t', cells, {
      execute: async (key, progress) => {
        progress(1, 2);
        return [key.length];
      },
      onCellProgress: (key, d, t) => seen.push(`${key} ${d}/${t} elsewhere`),
    });
    expect(seen).toEqual(['train 1/3', 'train 2/3', 'train 3/3', 'train 1/2 elsewhere']);
  });
});

describe('checkMemory', () => {
  const schema = z.strictObject({ depth: z.number().int().default(4), width: z.number().int().default(10) });
  const definition: ExperimentDefinition<typeof schema> = {
    id: 'toy',
    version: 1,
    owner: 'test',
    title: 'toy',
    example: '',
    engine: 'js',
    schema,
    cells: () => [],
    summarize: () => [],
    figure: () => ({}),
    // 1 MiB per block per unit of width.
    memory: (c) => ({ bytes: c.depth * c.width * 2 ** 20, cell: `${c.depth} blocks` }),
    sizeFields: ['depth', 'width'],
  };
  const limit = { bytes: 100 * 2 ** 20, reason: 'the 100 MiB of the toy engine' };

  it('passes what fits and refuses what does not, naming the fields, the limit and the largest depth that fits', () => {
    expect(() => checkMemory(definition, { depth: 10, width: 10 }, limit)).not.toThrow();
    expect(() =>
      checkMemory(definition, { depth: 11, width: 10 }, limit, (f) => `--${f}`, '; or buy RAM'),
    ).toThrow(
      'toy: its largest cell (11 blocks) needs about 110 MiB, more than the 100 MiB of the toy engine; lower --depth, --width (--depth 10 fits); or buy RAM',
    );
    // Nothing fits at any depth: no suggestion.
    expect(() => checkMemory(definition, { depth: 3, width: 200 }, limit)).toThrow(/lower depth, width$/);
    // No estimate, or no known limit: no check.
    const { memory: _, ...unestimated } = definition;
    expect(() => checkMemory(unestimated, { depth: 99, width: 99 }, limit)).not.toThrow();
    expect(() =>
      checkMemory(definition, { depth: 99, width: 99 }, { bytes: Number.POSITIVE_INFINITY, reason: '' }),
    ).not.toThrow();
    expect(formatBytes(5.94 * 2 ** 30)).toBe('5.9 GiB');
    expect(formatBytes(3 * 2 ** 20)).toBe('3 MiB');
  });
});
