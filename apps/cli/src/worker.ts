/**
 * A worker thread of the cell pool: its own TensorFlow.js on the backend the main thread chose,
 * computing one cell of an experiment at a time: the definition's cell `key` of the resolved config.
 * Cells are seeded by their key, so the rows are exactly those a serial run would compute.
 *
 * A fatal engine failure (the wasm heap aborted or ran out of memory) leaves this thread's
 * TensorFlow.js broken, so the thread ends with the reason: the pool fails that one cell with it
 * and starts a new worker for the next cells, which are never computed on a broken engine.
 */
import type { MessagePort } from 'node:worker_threads';
import { runExperiment } from '@trainlab/runner';
import { type BackendRequest, engineFailure, initBackend } from '@trainlab/tensor';
import { EXPERIMENTS } from './definitions';
import { type CellOutput, computeCell } from './engine';

export interface CellTask {
  /** The experiment's id. */
  experiment: string;
  /** Its resolved config. */
  config: unknown;
  key: string;
  backend: BackendRequest;
  /** Where the cell says how far it is (`[done, total]` messages). */
  port?: MessagePort;
}

let ready: Promise<unknown> | undefined;

/** A config of a few milliseconds that runs a TensorFlow.js experiment's hot paths (forward, backward, measurements). */
const WARMUP = { depth: 2, dModel: 8, n: 4, seeds: 1, norms: ['post', 'pre'], mlp: [true], scales: [1] };

/** Ends this thread with `reason` (an uncaught error: tinypool rejects the running task with it and replaces the thread). */
function endThread(reason: string): Promise<never> {
  setTimeout(() => {
    throw new Error(reason);
  });
  return new Promise(() => undefined);
}

export default async function runCell(
  task: CellTask | { warmup: true; backend: BackendRequest },
): Promise<CellOutput> {
  ready ??= initBackend({ backend: task.backend });
  await ready;
  if ('warmup' in task) {
    // Compile the hot paths on a tiny model before real cells arrive.
    for (const id of ['grads', 'signal']) {
      const definition = EXPERIMENTS.find((d) => d.id === id);
      if (definition) await runExperiment(definition, WARMUP);
    }
    return { rows: [], ms: 0 };
  }
  // Test hook: a worker that crashes (an uncaught error kills the thread) while computing this cell.
  const crash = process.env.TRAINLAB_TEST_WORKER_CRASH;
  if (crash && task.key === crash) return endThread('simulated worker crash');
  try {
    const port = task.port;
    return await computeCell(
      task.experiment,
      task.config,
      task.key,
      port ? (done, total) => port.postMessage([done, total]) : undefined,
    );
  } catch (error) {
    const fatal = engineFailure(error);
    if (fatal) return endThread(`${fatal}; its worker thread was replaced`);
    throw error;
  } finally {
    task.port?.close();
  }
}
