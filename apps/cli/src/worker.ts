/**
 * A worker thread of the cell pool: its own TensorFlow.js on the backend the main thread chose,
 * computing one cell of a diagnostics sweep at a time by calling the runner with `{ only: [key] }`.
 * Cells are seeded by their key, so the rows are exactly those a serial run would compute.
 */
import { type BackendRequest, initBackend } from '@trainlab/tensor';
import { RUNNERS } from './runners';

export interface CellTask {
  runner: string;
  config: unknown;
  key: string;
  backend: BackendRequest;
}

let ready: Promise<unknown> | undefined;

export default async function runCell(
  task: CellTask | { warmup: true; backend: BackendRequest },
): Promise<unknown[]> {
  ready ??= initBackend({ backend: task.backend });
  await ready;
  if ('warmup' in task) {
    // Compile the hot paths (forward, backward, measurements) on a tiny model before real cells arrive.
    const tiny = { depth: 2, dModel: 8, n: 4, seeds: 1, norms: ['post', 'pre'], mlp: [true], scales: [1] };
    await RUNNERS.gradientNorms!(tiny, {});
    await RUNNERS.tokenCosine!(tiny, {});
    return [];
  }
  // Test hook: a worker that crashes (an uncaught error kills the thread) while computing this cell.
  const crash = process.env.TRAINLAB_TEST_WORKER_CRASH;
  if (crash && task.key === crash) {
    setTimeout(() => {
      throw new Error('simulated worker crash');
    });
    await new Promise(() => undefined);
  }
  const runner = RUNNERS[task.runner];
  if (!runner) throw new Error(`unknown runner ${task.runner}`);
  const result = await runner(task.config, { only: [task.key] });
  if (result.rows.length === 0) throw new Error(`no cell ${JSON.stringify(task.key)} in ${task.runner}`);
  return result.rows;
}
