/** Ask/tell and checkpoints: the same run as the function API, in batches, resumed bit for bit. */
import { describe, expect, it } from 'vitest';
import { type AskTellSolver, askTell, type Checkpoint, directSearch } from '../src/index';

const rosenbrock = (x: Float64Array) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
const game = (x: Float64Array, y: Float64Array) =>
  (x[0]! - 1) ** 2 + 2 * x[0]! * y[0]! - y[0]! ** 2 + x[1]! ** 2;

/** Drives an ask/tell optimizer to the end (or for `batches` batches), evaluating locally. */
async function drive<S extends AskTellSolver>(
  opt: ReturnType<typeof askTell<S>>,
  batches = Number.POSITIVE_INFINITY,
): Promise<number[]> {
  const sizes: number[] = [];
  for (let k = 0; k < batches; k++) {
    const points = await opt.ask();
    if (points.length === 0) break;
    sizes.push(points.length);
    opt.tell(points.map((p) => (p.y ? game(p.x, p.y) : rosenbrock(p.x))));
  }
  return sizes;
}

describe('askTell', () => {
  it('runs exactly the run of the function API, one point or a whole concurrent poll at a time', async () => {
    const options = { maxEvaluations: 300, seed: 3 };
    const direct = await directSearch(rosenbrock, [-1.2, 1], options);
    const opt = askTell('direct-search', [-1.2, 1], options);
    const sizes = await drive(opt);
    const r = await opt.result;
    expect(Array.from(r.x)).toEqual(Array.from(direct.x));
    expect(r.evaluations).toBe(direct.evaluations);
    expect(sizes.every((s) => s === 1)).toBe(true);
    expect(opt.done).toBe(true);
    expect(await opt.ask()).toEqual([]);

    const batched = {
      maxEvaluations: 300,
      pollSet: 'coordinate',
      polling: 'complete',
      concurrency: 4,
      search: 'none',
    } as const;
    const reference = await directSearch(rosenbrock, [-1.2, 1], batched);
    const wide = askTell('direct-search', [-1.2, 1], batched);
    const widths = await drive(wide);
    expect(Math.max(...widths)).toBe(4); // the four poll points of an iteration, at once
    expect(Array.from((await wide.result).x)).toEqual(Array.from(reference.x));
  });

  it.each([
    ['direct-search', [-1.2, 1], { maxEvaluations: 400, seed: 1 }],
    ['nelder-mead', [-1.2, 1], { maxEvaluations: 400 }],
    ['minimax', { x0: [2, 1], y0: [-1] }, { maxEvaluations: 2000, seed: 2 }],
  ] as const)(
    '%s: a checkpoint taken midway resumes to the very same run',
    async (solver, start, options) => {
      const whole = askTell(solver, start as never, options as never);
      await drive(whole);
      const expected = await whole.result;

      const first = askTell(solver, start as never, options as never);
      await drive(first, 37);
      const saved = JSON.parse(JSON.stringify(first.checkpoint())) as Checkpoint;
      expect(saved.values.length).toBeGreaterThan(30);
      const resumed = askTell(solver, start as never, options as never, { resume: saved });
      await drive(resumed);
      const r = await resumed.result;
      expect(Array.from(r.x)).toEqual(Array.from(expected.x));
      expect(r.value).toBe(expected.value);
      expect(r.evaluations).toBe(expected.evaluations);
      expect(r.status).toBe(expected.status);
    },
  );

  it('keeps failures in the checkpoint, and refuses what it cannot take', async () => {
    const opt = askTell('direct-search', [0, 0], { maxEvaluations: 30, search: 'none' });
    let k = 0;
    for (let points = await opt.ask(); points.length > 0; points = await opt.ask())
      opt.tell(points.map((p) => (k++ % 3 === 1 ? { error: 'simulator crashed' } : rosenbrock(p.x))));
    const r = await opt.result;
    expect(r.failures).toBeGreaterThan(0);
    const saved = JSON.parse(JSON.stringify(opt.checkpoint())) as Checkpoint;
    expect(saved.values).toContainEqual({ error: 'simulator crashed' });
    const replayed = askTell(
      'direct-search',
      [0, 0],
      { maxEvaluations: 30, search: 'none' },
      { resume: saved },
    );
    expect(await replayed.ask()).toEqual([]); // everything came from the checkpoint
    expect((await replayed.result).failures).toBe(r.failures);

    const fresh = askTell('nelder-mead', [0, 0]);
    expect(() => fresh.tell([1])).toThrow(/tell got 1 values for 0 points/);
    expect(() => askTell('minimax', { x0: [0], y0: [0] }, {}, { resume: saved })).toThrow(
      /resume\.solver must be 'minimax'/,
    );
  });
});
