/**
 * An objective evaluated on remote machines through a Redis job queue (BullMQ): the same shape as
 * `workerObjective`, so `directSearch` and `minimax` poll an expensive black box on any number of
 * workers. With complete polling the iterates equal a serial run's: the solver waits for the whole
 * poll set and its decisions do not depend on which evaluation finishes first.
 *
 * The workers are `serveObjectives` (or `trainlab worker`) processes that can import the module at
 * the same path. `bullmq` is an optional peer dependency: only this entry needs it.
 *
 * @module @trainlab/dfo/queue
 */
import { type ConnectionOptions, type Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { DfoError } from './errors';
import { type WorkerObjective, workerObjective } from './workerObjective';

/** The queue objective evaluations go through. */
export const OBJECTIVE_QUEUE = 'trainlab-objectives';

/** Where the queue's Redis is: a `redis://[:password@]host:port[/db]` (or `rediss://`) URL, or connection options. */
export type QueueConnection = string | ConnectionOptions;

function connectionOf(connection: QueueConnection): ConnectionOptions {
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) {
      throw new DfoError(
        'E_INVALID_ARGUMENT',
        'options.connection must be a redis:// or rediss:// URL, or connection options',
      );
    }
    return { url: connection, maxRetriesPerRequest: null } as ConnectionOptions;
  }
  return { maxRetriesPerRequest: null, ...connection } as ConnectionOptions;
}

/** Options of {@link queueObjective}. */
export interface QueueObjectiveOptions {
  /** The queue's Redis. */
  connection: QueueConnection;
  /** The export to call. @defaultValue the default export, else `objective` */
  exportName?: string;
  /** Evaluations a solver should run at once (pass it as `concurrency`). @defaultValue 8 */
  workers?: number;
  /** Give up on an evaluation after this long (it fails: the solver counts a failed point). @defaultValue Infinity */
  timeoutMs?: number;
}

/** What an evaluation job carries. */
interface EvaluationJob {
  module: string;
  exportName?: string;
  args: number[][];
}

/**
 * Evaluates `module`'s objective (a path every worker can import) on the workers of a Redis queue.
 *
 * @example
 * ```ts
 * import { queueObjective } from '@trainlab/dfo/queue';
 * const remote = queueObjective('/shared/simulation.mjs', { connection: 'redis://10.0.0.5:6379', workers: 16 });
 * const r = await directSearch(remote.objective, x0, { concurrency: remote.workers, polling: 'complete' });
 * await remote.close();
 * ```
 */
export function queueObjective(module: string, options: QueueObjectiveOptions): WorkerObjective {
  if (typeof module !== 'string' || module === '') {
    throw new DfoError('E_INVALID_ARGUMENT', 'module must be the path of a JS module the workers can import');
  }
  const workers = options.workers ?? 8;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new DfoError('E_INVALID_ARGUMENT', `options.workers must be an integer ≥ 1, got ${workers}`);
  }
  const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
  if (!(timeoutMs > 0))
    throw new DfoError('E_INVALID_ARGUMENT', `options.timeoutMs must be a number > 0, got ${timeoutMs}`);
  const connection = connectionOf(options.connection);
  const queue = new Queue(OBJECTIVE_QUEUE, { connection });
  const events = new QueueEvents(OBJECTIVE_QUEUE, { connection });
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  const ready = Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return {
    workers,
    objective: async (x: Float64Array, y?: Float64Array) => {
      await ready;
      const data: EvaluationJob = {
        module,
        ...(options.exportName ? { exportName: options.exportName } : {}),
        args: (y === undefined ? [x] : [x, y]).map((p) => Array.from(p)),
      };
      // The job is kept until its result is read: removed on completion, a job that finished before
      // the wait began would look missing (and fail). An hour's age limit cleans up after crashes.
      const job = await queue.add('evaluate', data, {
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 3600 },
      });
      try {
        return Number(
          await job.waitUntilFinished(events, Number.isFinite(timeoutMs) ? timeoutMs : undefined),
        );
      } catch (error) {
        if (/timed out/i.test((error as Error).message)) {
          throw new Error(`evaluation took longer than timeoutMs = ${timeoutMs}`);
        }
        throw error;
      } finally {
        await job.remove().catch(() => undefined);
      }
    },
    close: async () => {
      await Promise.allSettled([events.close(), queue.close()]);
    },
  };
}

/** Options of {@link serveObjectives}. */
export interface ServeObjectivesOptions {
  connection: QueueConnection;
  /** Evaluations at once, each on a worker thread of its own. @defaultValue 1 */
  concurrency?: number;
  /** Gives up on one evaluation after this long: its thread is replaced. @defaultValue Infinity */
  timeoutMs?: number;
}

/**
 * The workers' side: takes evaluations from the queue and runs them on worker threads (one pool per
 * module, loaded once). Returns a handle whose `close()` stops after the evaluations in hand.
 */
export function serveObjectives(options: ServeObjectivesOptions): {
  close(): Promise<void>;
  ready: Promise<void>;
} {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new DfoError(
      'E_INVALID_ARGUMENT',
      `options.concurrency must be an integer ≥ 1, got ${concurrency}`,
    );
  }
  const pools = new Map<string, WorkerObjective>();
  const poolOf = (module: string, exportName: string | undefined): WorkerObjective => {
    const id = `${module}#${exportName ?? ''}`;
    let pool = pools.get(id);
    if (!pool) {
      pool = workerObjective(module, {
        workers: concurrency,
        ...(exportName ? { exportName } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
      pools.set(id, pool);
    }
    return pool;
  };
  const worker = new Worker(
    OBJECTIVE_QUEUE,
    async (job: Job) => {
      const data = job.data as Partial<EvaluationJob>;
      const args = data.args;
      if (
        typeof data.module !== 'string' ||
        (data.exportName !== undefined && typeof data.exportName !== 'string') ||
        !Array.isArray(args) ||
        args.length < 1 ||
        args.length > 2 ||
        !args.every((a) => Array.isArray(a) && a.every((v) => typeof v === 'number'))
      ) {
        throw new UnrecoverableError(
          'refused a malformed evaluation job (module, exportName?, args: number[][])',
        );
      }
      const pool = poolOf(data.module, data.exportName);
      const points = args.map((a) => Float64Array.from(a));
      return pool.objective(points[0]!, points[1]);
    },
    {
      connection: connectionOf(options.connection),
      concurrency,
      lockDuration: 10_000,
      stalledInterval: 5_000,
    },
  );
  worker.on('error', () => undefined);
  return {
    ready: worker.waitUntilReady().then(() => undefined),
    close: async () => {
      await worker.close();
      await Promise.all([...pools.values()].map((p) => p.close()));
    },
  };
}
