/**
 * Computing one cell of an experiment where the engine lives (a worker thread, or the main thread
 * with `--workers 1`): the same code on both, timed where it runs.
 */
import { type Cell, type CellProgress, resolveConfig } from '@trainlab/runner';
import { tf } from '@trainlab/tensor';
import { experimentById } from './definitions';

/** A computed cell: its rows and the milliseconds it took where it ran. */
export interface CellOutput {
  rows: unknown[];
  ms: number;
}

/** Computes the cell `key` of an experiment's resolved config. */
export async function computeCell(
  experiment: string,
  config: unknown,
  key: string,
  progress?: CellProgress,
): Promise<CellOutput> {
  const cell = cellsOf(experiment, config).get(key);
  if (!cell) throw new Error(`${experiment} has no cell ${JSON.stringify(key)} for this config`);
  const t0 = performance.now();
  testEngineAbort(key);
  // Test hooks: a cell that throws, or one that never finishes (a worker to kill mid-cell).
  if (process.env.TRAINLAB_TEST_CELL_THROW === key) throw new Error('simulated cell failure');
  if (process.env.TRAINLAB_TEST_CELL_HANG === key) await new Promise(() => undefined);
  const rows = await cell.run(progress);
  return { rows, ms: performance.now() - t0 };
}

/** The cells of the last sweep seen, by key: a sweep's cells are listed once, not once per cell. */
let last: { id: string; cells: Map<string, Cell<unknown>> } | undefined;

export function cellsOf(experiment: string, config: unknown): Map<string, Cell<unknown>> {
  const id = `${experiment}\0${JSON.stringify(config)}`;
  if (last?.id !== id) {
    const definition = experimentById(experiment);
    const cells = definition.cells(resolveConfig(definition, config)) as Cell<unknown>[];
    last = { id, cells: new Map(cells.map((c) => [c.key, c])) };
  }
  return last.cells;
}

/**
 * Test hook: a real fatal engine failure on the cell named by `TRAINLAB_TEST_ENGINE_ABORT`: a
 * product whose result is larger than the wasm heap can grow to, which aborts the heap and leaves
 * this thread's engine broken (on the cpu backend it fails as an ordinary allocation error).
 */
function testEngineAbort(key: string): void {
  if (process.env.TRAINLAB_TEST_ENGINE_ABORT !== key) return;
  tf.tidy(() => tf.matMul(tf.ones([40_000, 2]), tf.ones([2, 30_000])));
}
