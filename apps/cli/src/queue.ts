/**
 * Sweeps over a Redis job queue (BullMQ): the coordinator enqueues the cells its store does not
 * hold, one job per cell (the job id is derived from the sweep's scope and the cell's key, so a
 * cell is never queued twice), and stores each result as it arrives; `trainlab worker` processes,
 * on any number of machines, take cells and compute them on their own worker threads.
 *
 * What can go wrong is handled here: a worker that dies mid-cell (BullMQ's stalled-job recovery
 * hands its job to another worker), a coordinator killed and rerun (it picks up the jobs still
 * queued), Redis restarting (clients reconnect; a job lost with Redis's data is queued again), a
 * cell that throws (reported, the sweep goes on), and a worker that runs other code or another
 * backend than the sweep asks for (it refuses the cell with a message). The password of the URL is
 * never printed: every message shows the URL with `***` in its place.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { serveObjectives } from '@trainlab/dfo/queue';
import { type ConnectionOptions, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { type Context, hidePassword, UsageError } from './context';
import { experimentById } from './definitions';
import { type CellOutput, cellsOf } from './engine';
import type { CellPool } from './pool';
import { VERSIONS } from './versions';

/** The environment variable read when `--queue` is not given. */
export const QUEUE_ENV_VAR = 'TRAINLAB_QUEUE';

/** The queue every sweep's cells go through (jobs carry their sweep). */
export const CELL_QUEUE = 'trainlab-cells';

/** A parsed queue URL: how to connect, and how to show it (password hidden). */
export interface QueueTarget {
  /** ioredis options (host, port, db, password, tls). */
  options: RedisOptions;
  /** The URL with the password replaced by `***`: the only form that is ever printed or stored. */
  display: string;
}

/**
 * Parses `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS). A malformed URL is
 * a usage error naming the flag (or environment variable) and the expected form, password hidden.
 */
export function parseQueueUrl(text: string, source = '--queue'): QueueTarget {
  const expected = 'redis://[:password@]host:port[/db] or rediss://…';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${source}: ${hidePassword(text)} is not a URL; expected ${expected}`);
  }
  const display = hidePassword(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`${source}: ${display} must start with redis:// or rediss://; expected ${expected}`);
  }
  if (!url.hostname) throw new UsageError(`${source}: ${display} names no host; expected ${expected}`);
  const port = url.port === '' ? 6379 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${source}: the port of ${display} must be from 1 to 65535`);
  }
  const path = url.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) {
    throw new UsageError(
      `${source}: the database of ${display} must be an integer ≥ 0 (the /db part), got ${JSON.stringify(path)}`,
    );
  }
  const options: RedisOptions = { host: url.hostname.replace(/^\[|\]$/g, ''), port, db };
  if (url.password) options.password = decodeURIComponent(url.password);
  if (url.username) options.username = decodeURIComponent(url.username);
  if (url.protocol === 'rediss:') options.tls = {};
  return { options, display };
}

/** The connection options BullMQ needs (blocking commands retry forever; reconnect with backoff). */
export function connectionOf(target: QueueTarget): ConnectionOptions {
  return {
    ...target.options,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  } as ConnectionOptions;
}

/**
 * Checks that the queue's Redis answers (PING within 3 s) before any work: an unreachable server is
 * a usage error naming the URL (password hidden) and the reason.
 */
export async function checkReachable(target: QueueTarget, source = '--queue'): Promise<void> {
  const fail = (reason: string) =>
    new UsageError(
      `${source}: cannot reach the queue at ${target.display}: ${reason}; start Redis there (e.g. redis-server --port ${target.options.port}) or fix the URL`,
    );
  // First the socket: its error (ECONNREFUSED, ENOTFOUND, a timeout) is the clearest reason.
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: target.options.host!, port: target.options.port! });
    socket.setTimeout(3000, () => {
      socket.destroy();
      reject(fail('no answer within 3 s'));
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => reject(fail(error.code ?? error.message)));
  });
  // Then Redis itself: a wrong password or database is said here.
  const probe = new Redis({
    ...target.options,
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    const first = (error as Error).message.split('\n')[0]!;
    throw fail(target.options.password ? first.replaceAll(target.options.password, '***') : first);
  } finally {
    probe.disconnect();
  }
}

/** What a cell job carries: the sweep, the cell, and the code and backend it must be computed with. */
const CellJobSchema = z.strictObject({
  experiment: z.string().min(1),
  config: z.record(z.string(), z.unknown()),
  key: z.string().min(1),
  /** The backend the sweep runs on (resolved by the coordinator, e.g. `wasm`). */
  backend: z.string().min(1),
  /** The experiment's owner package at its version, and the experiment's protocol version. */
  owner: z.string().min(1),
  version: z.number().int(),
});
export type CellJob = z.infer<typeof CellJobSchema>;

/** The job id of a cell: its sweep's scope hash and a hash of its key (ids must not contain `:`). */
export function jobIdOf(scopeHash: string, key: string): string {
  return `${scopeHash}-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** How often the coordinator checks that a queued job still exists (Redis may restart without its data). */
const WATCH_MS = 3000;

/** The coordinator's side: enqueue cells and wait for their results. */
export class CellQueue {
  private readonly queue: Queue;
  private readonly events: QueueEvents;

  constructor(readonly target: QueueTarget) {
    const connection = connectionOf(target);
    this.queue = new Queue(CELL_QUEUE, { connection });
    this.events = new QueueEvents(CELL_QUEUE, { connection });
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
    // One waiter per queued cell: thousands of listeners are expected, not a leak.
    this.queue.setMaxListeners(0);
    this.events.setMaxListeners(0);
  }

  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  /**
   * Computes a cell on whichever worker takes it: enqueues it (unless it is queued already, by an
   * earlier run of this coordinator), waits for its result, and removes the job once the result is
   * in hand. A failed job is removed too, so that a rerun queues it anew.
   */
  async execute(id: string, job: CellJob): Promise<CellOutput> {
    const stale = await this.queue.getJob(id);
    if (stale && (await stale.isFailed())) await stale.remove();
    const options = {
      jobId: id,
      removeOnComplete: { age: 7 * 86400 },
      removeOnFail: { age: 7 * 86400 },
    };
    let added = await this.queue.add('cell', job, options);
    let watching = true;
    // A job lost with Redis's data (a restart without persistence) is queued again.
    const watch = async (): Promise<never> => {
      for (;;) {
        // unref: the watcher never keeps the process alive once the sweep is done.
        await new Promise((r) => setTimeout(r, WATCH_MS).unref());
        if (!watching) return new Promise(() => undefined);
        try {
          if ((await this.queue.getJobState(id)) === 'unknown')
            added = await this.queue.add('cell', job, options);
        } catch {
          // Redis is away: the clients reconnect; look again at the next tick.
        }
      }
    };
    try {
      const output = (await Promise.race([added.waitUntilFinished(this.events), watch()])) as CellOutput;
      return output;
    } finally {
      watching = false;
      await this.queue
        .getJob(id)
        .then((j) => j?.remove())
        .catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}

/**
 * `trainlab worker`: takes cells from the queue and computes them on `concurrency` worker threads
 * of its own (the backend chosen by the same rules as a sweep's). A cell whose experiment, code
 * version or backend differs from this process's is refused with a message (never computed with
 * other code); a payload that does not validate is refused before anything runs.
 */
export async function runWorker(ctx: Context, target: QueueTarget, concurrency: number): Promise<void> {
  const backend = (await ctx.backend()).name;
  const pool: CellPool = ctx.workerPool(concurrency);
  const me = `${hostname()} pid ${process.pid}`;
  const worker = new Worker(
    CELL_QUEUE,
    async (job) => {
      const parsed = CellJobSchema.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(
          `worker ${me}: refused a malformed job: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'job'}: ${i.message}`).join('; ')}`,
        );
      }
      const cell = parsed.data;
      refuseForeign(cell, backend, me);
      const started = performance.now();
      const output = await pool.execute(
        { experiment: cell.experiment, config: cell.config, key: cell.key },
        (done, total) => void job.updateProgress(Math.round((100 * done) / total)).catch(() => undefined),
      );
      ctx.log(
        `worker: ${cell.experiment} · ${cell.key} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      return output;
    },
    {
      connection: connectionOf(target),
      concurrency,
      // A worker that dies mid-cell stops renewing its lock: after lockDuration its job is stalled
      // and another worker takes it (checked every stalledInterval).
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 3,
    },
  );
  worker.on('error', (error) => ctx.log(`worker: ${hidePassword(error.message)} (reconnecting)`));
  // Black-box evaluations of `dfo minimize --queue` (and of queueObjective) are served here too.
  const objectives = serveObjectives({ connection: connectionOf(target), concurrency });
  worker.on('failed', (job, error) => {
    if (job) ctx.log(`worker: ${(job.data as CellJob).key} failed: ${error.message}`);
  });
  await Promise.all([worker.waitUntilReady(), objectives.ready]);
  ctx.log(
    `worker ${me} takes cells from ${target.display} on ${concurrency} thread${concurrency > 1 ? 's' : ''} (backend ${backend}); Ctrl-C stops it after its cells in hand`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      ctx.log('worker: stopping after the cells in hand (Ctrl-C again to stop at once)');
      process.once('SIGINT', () => process.exit(130));
      void Promise.all([worker.close(), objectives.close()]).then(() => resolve());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Refuses a cell this process would compute with other code or another backend than the sweep's. */
function refuseForeign(cell: CellJob, backend: string, me: string): void {
  let definition: ReturnType<typeof experimentById>;
  try {
    definition = experimentById(cell.experiment);
  } catch {
    throw new UnrecoverableError(
      `worker ${me}: refused ${cell.experiment}: this trainlab has no such experiment`,
    );
  }
  const owner = `${definition.owner}@${VERSIONS[definition.owner] ?? 'unknown'}`;
  if (owner !== cell.owner || definition.version !== cell.version) {
    throw new UnrecoverableError(
      `worker ${me}: refused ${cell.experiment} · ${cell.key}: the sweep asks for ${cell.owner}, ${cell.experiment} v${cell.version}; this worker runs ${owner}, ${cell.experiment} v${definition.version} (run workers of the sweep's version)`,
    );
  }
  if (cell.backend !== 'js' && backend !== cell.backend) {
    throw new UnrecoverableError(
      `worker ${me}: refused ${cell.experiment} · ${cell.key}: the sweep runs on the ${cell.backend} backend, this worker on ${backend} (start it with --backend ${cell.backend})`,
    );
  }
  try {
    // The payload's config through the experiment's own schema; the key must be one of its cells.
    if (!cellsOf(cell.experiment, cell.config).has(cell.key)) {
      throw new Error(`${cell.experiment} has no cell ${JSON.stringify(cell.key)} for this config`);
    }
  } catch (error) {
    throw new UnrecoverableError(
      `worker ${me}: refused ${cell.experiment} · ${cell.key}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}
