/**
 * The cell pool: worker threads (tinypool), one TensorFlow.js each, so that a sweep uses every core
 * (tfjs's wasm backend runs one thread in Node). Each finished cell comes back to the main thread,
 * which writes it to the run store, so resuming works as in a serial run; a worker that crashes or
 * runs out of memory (`memoryMb`), or whose engine fails fatally (the wasm heap aborts), fails its
 * cell with the reason and is replaced.
 */

import { MessageChannel } from 'node:worker_threads';
import type { CellProgress } from '@trainlab/runner';
import type { BackendRequest } from '@trainlab/tensor';
import Tinypool from 'tinypool';
import type { CellOutput } from './engine';
import type { CellTask } from './worker';

export interface CellPool {
  readonly workers: number;
  execute(task: Omit<CellTask, 'backend' | 'port'>, progress?: CellProgress): Promise<CellOutput>;
  destroy(): Promise<void>;
}

export function createCellPool(workers: number, backend: BackendRequest, memoryMb?: number): CellPool {
  const pool = new Tinypool({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    ...(memoryMb ? { resourceLimits: { maxOldGenerationSizeMb: memoryMb } } : {}),
  });
  // Warm every worker up now: loading TensorFlow.js and the wasm binary takes about a second.
  for (let i = 0; i < workers; i++) pool.run({ warmup: true, backend }).catch(() => undefined);
  return {
    workers,
    execute: async (task, progress) => {
      // The cell's progress comes back over a channel of its own.
      const channel = progress ? new MessageChannel() : undefined;
      channel?.port1.on('message', ([done, total]: [number, number]) => progress?.(done, total));
      try {
        return (await pool.run(
          channel ? { ...task, backend, port: channel.port2 } : { ...task, backend },
          channel ? { transferList: [channel.port2] } : {},
        )) as CellOutput;
      } catch (error) {
        // An uncaught error or running out of memory ends the thread: tinypool rejects its task
        // with the reason and starts a new worker for the next cells.
        throw new Error(`worker thread failed: ${(error as Error).message ?? String(error)}`);
      } finally {
        channel?.port1.close();
      }
    },
    destroy: () => pool.destroy(),
  };
}
