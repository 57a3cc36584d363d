/**
 * A worker thread of the cell pool: its own TensorFlow.js on the backend the main thread chose,
 * computing one cell of an experiment at a time: the definition's cell `key` of the resolved config.
 * Cells are seeded by their key, so the rows are exactly those a serial run would compute.
 */
import { cellOf, resolveConfig, runExperiment } from '@trainlab/runner';
import { type BackendRequest, initBackend } from '@trainlab/tensor';
import { EXPERIMENTS, experimentById } from './definitions';

export interface CellTask {
  /** The experiment's id. */
  experiment: string;
  /** Its resolved config. */
  config: unknown;
  key: string;
  backend: BackendRequest;
}

let ready: Promise<unknown> | undefined;

/** A config of a few milliseconds that runs a TensorFlow.js experiment's hot paths (forward, backward, measurements). */
const WARMUP = { depth: 2, dModel: 8, n: 4, seeds: 1, norms: ['post', 'pre'], mlp: [true], scales: [1] };

export default async function runCell(
  task: CellTask | { warmup: true; backend: BackendRequest },
): Promise<unknown[]> {
  ready ??= initBackend({ backend: task.backend });
  await ready;
  if ('warmup' in task) {
    // Compile the hot paths on a tiny model before real cells arrive.
    for (const id of ['grads', 'signal']) {
      const definition = EXPERIMENTS.find((d) => d.id === id);
      if (definition) await runExperiment(definition, WARMUP);
    }
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
  const definition = experimentById(task.experiment);
  return cellOf(definition, resolveConfig(definition, task.config), task.key).run();
}
