/**
 * Runs a user objective module on a pool of worker threads, so that the poll points of one
 * iteration (`concurrency` > 1) are evaluated on several cores at once. With complete polling the
 * iterates are exactly those of a serial run: the points, their order and the decisions do not
 * depend on which evaluation finishes first.
 *
 * @module @trainlab/dfo/workers
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';
import { DfoError } from './errors';

/** Options of `workerObjective`: pool size, the export to call and how TypeScript modules load. */
export interface WorkerObjectiveOptions {
  /** Worker threads. @defaultValue the number of cores */
  workers?: number;
  /** The export to call. @defaultValue the default export, else `objective` */
  exportName?: string;
  /** For a TypeScript module: the URL of tsx's `tsx/esm/api` (e.g. `import.meta.resolve('tsx/esm/api')`). */
  tsImport?: string;
  /**
   * Gives up on an evaluation after this long: its worker thread is terminated (a synchronous
   * objective can be stopped no other way) and replaced, and the evaluation fails (the solver counts
   * it as a failed point). @defaultValue Infinity
   */
  timeoutMs?: number;
}

/** An objective whose evaluations run on a worker-thread pool; pass it to any solver, then `close()` it. */
export interface WorkerObjective {
  /** Evaluates f(x) (or f(x, y) for `minimax`) on a worker; use it as the solver's objective. */
  objective: (x: Float64Array, y?: Float64Array) => Promise<number>;
  /** Pass this as the solver's `concurrency`. */
  workers: number;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

/**
 * A pool of worker threads evaluating `module`'s objective (a path or file URL of a JS module, or
 * a TypeScript one with `tsImport`).
 *
 * @example
 * ```ts
 * const pool = workerObjective('./objective.mjs', { workers: 2 });
 * const r = await directSearch(pool.objective, x0, { concurrency: pool.workers, polling: 'complete' });
 * await pool.close();
 * ```
 */
export function workerObjective(module: string | URL, options: WorkerObjectiveOptions = {}): WorkerObjective {
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new DfoError('E_INVALID_ARGUMENT', `options.workers must be an integer ≥ 1, got ${workers}`);
  }
  const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
  if (!(timeoutMs > 0)) {
    throw new DfoError('E_INVALID_ARGUMENT', `options.timeoutMs must be a number > 0, got ${timeoutMs}`);
  }
  const path = module instanceof URL ? fileURLToPath(module) : module;
  const pool = new Tinypool({
    filename: new URL('./objective-worker.mjs', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
  const base = { module: path, exportName: options.exportName, tsImport: options.tsImport };
  // Load the module on every worker now, not during the first poll.
  for (let i = 0; i < workers; i++) pool.run(base).catch(() => undefined);
  return {
    workers,
    objective: async (x: Float64Array, y?: Float64Array) => {
      const task = { ...base, args: (y === undefined ? [x] : [x, y]).map((p) => Array.from(p)) };
      if (!Number.isFinite(timeoutMs)) return (await pool.run(task)) as number;
      // Aborting a running task makes tinypool terminate its worker and start a new one.
      try {
        return (await pool.run(task, { signal: AbortSignal.timeout(timeoutMs) })) as number;
      } catch (error) {
        if ((error as Error).name === 'AbortError') {
          throw new Error(
            `evaluation took longer than timeoutMs = ${timeoutMs}: its worker thread was replaced`,
          );
        }
        throw error;
      }
    },
    close: () => pool.destroy(),
  };
}
