/**
 * What every command shares: the global flags, the stdout/stderr split of every Unix tool (results
 * on stdout: human-readable tables, or one JSON document with `--json`; progress, headings and logs
 * on stderr), progress lines or bars, and user errors that exit with code 2.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type BackendInfo, type BackendRequest, initBackend, TrainlabError } from '@trainlab/tensor';
import { type CellPool, createCellPool } from './pool';
import { CellQueue, type QueueTarget } from './queue';

/** A user error of the command line: bad flags, bad config, bad input. Exits with code 2 and the message. */
export class UsageError extends TrainlabError<'E_USAGE'> {
  override readonly name = 'UsageError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_USAGE', message, options);
  }
}

/** A URL (or an argument holding one) as it may be printed or stored: its password replaced by `***`. */
export function hidePassword(text: string): string {
  return text.replace(
    /([a-z]+:\/\/)([^@/\s]*?):([^@/\s]*)@/gi,
    (_, scheme: string, user: string) => `${scheme}${user}:***@`,
  );
}

/** Why a path cannot be used, from a file-system or SQLite error code, in words. */
export function fileErrorReason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'SQLITE_NOTADB':
      return 'it is not a SQLite database (damaged, or another file)';
    case 'SQLITE_CORRUPT':
      return 'the database is damaged';
    case 'SQLITE_CANTOPEN':
      return 'it cannot be opened (a folder in its place, or no permission)';
    case 'SQLITE_BUSY':
      return 'another trainlab process is using it';
    default:
      return (e.message ?? String(error)).split('\n')[0]!;
  }
}

export interface GlobalOptions {
  seed?: number;
  backend?: BackendRequest;
  json?: boolean;
  quiet?: boolean;
  out?: string;
  fresh?: boolean;
  /** Worker threads for sweeps; 1 runs cells in the main thread. @defaultValue the number of cores */
  workers?: number;
  /** A Redis job queue that sweeps' cells go through (computed by `trainlab worker` processes). */
  queue?: QueueTarget;
}

export class Context {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly color: boolean;
  readonly tty: boolean;
  readonly out: string;
  readonly seed: number | undefined;
  readonly fresh: boolean;
  readonly workers: number;
  /** --workers as given (undefined when defaulted). */
  readonly workersRequested: number | undefined;
  readonly queue: QueueTarget | undefined;
  private readonly backendRequest: BackendRequest | undefined;
  private backendInfo: BackendInfo | undefined;
  private pool: CellPool | undefined;
  private replacement: CellPool | undefined;
  private cells: CellQueue | undefined;

  constructor(options: GlobalOptions, defaultOut: string) {
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
    this.tty = Boolean(process.stderr.isTTY);
    this.color = this.tty && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
    this.out = resolve(options.out ?? defaultOut);
    this.seed = options.seed;
    this.fresh = options.fresh ?? false;
    this.workers = options.workers ?? availableParallelism();
    this.workersRequested = options.workers;
    this.backendRequest = options.backend;
    this.queue = options.queue;
  }

  /**
   * The worker pool for sweeps, or null with --workers 1. Started on first use, before the main
   * thread's own TensorFlow.js, so that the workers load theirs meanwhile. Workers resolve the same
   * backend request as the main thread (same machine, same rules), so they run the same backend.
   */
  cellPool(): CellPool | null {
    if (this.workers <= 1) return null;
    if (!this.pool) {
      this.pool = createCellPool(this.workers, this.backendRequest ?? 'auto');
      this.log(`sweeps run on ${this.workers} worker threads (--workers), one TensorFlow.js each`);
    }
    return this.pool;
  }

  /** A pool of `threads` worker threads for `trainlab worker` (its own, whatever --workers says). */
  workerPool(threads: number): CellPool {
    this.pool ??= createCellPool(threads, this.backendRequest ?? 'auto');
    return this.pool;
  }

  /** The coordinator's side of the job queue (connected on first use). */
  async cellQueue(): Promise<CellQueue> {
    if (!this.queue) throw new UsageError('no --queue given');
    if (!this.cells) {
      this.cells = new CellQueue(this.queue);
      await this.cells.ready();
    }
    return this.cells;
  }

  /**
   * One fresh worker thread for the cells left after the main thread's engine failed fatally
   * (`--workers 1`): the same backend request, its own TensorFlow.js.
   */
  replacementPool(): CellPool {
    this.replacement ??= createCellPool(1, this.backendRequest ?? 'auto');
    return this.replacement;
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await Promise.all([this.pool?.destroy(), this.replacement?.destroy(), this.cells?.close()]);
    this.cells = undefined;
    this.pool = undefined;
    this.replacement = undefined;
  }

  /** Starts TensorFlow.js once (on the backend asked for) and says which one runs. */
  async backend(): Promise<BackendInfo> {
    if (!this.backendInfo) {
      try {
        this.backendInfo = await initBackend(this.backendRequest ? { backend: this.backendRequest } : {});
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      this.log(this.backendInfo.message);
    }
    return this.backendInfo;
  }

  /** A folder under --out, made if need be (a folder that cannot be made is a usage error naming it). */
  outDir(...parts: string[]): string {
    const dir = resolve(this.out, ...parts);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new UsageError(
        `--out: cannot create ${dir}: ${fileErrorReason(error)}; choose another folder with --out`,
      );
    }
    return dir;
  }

  /** A log line on stderr (unless --quiet): what is going on, not the result. */
  log(message: string): void {
    if (!this.quiet) process.stderr.write(`${message}\n`);
  }

  /**
   * Part of the human-readable result, on stdout (so `trainlab … > result.txt` keeps it). With
   * `--json` stdout carries only the JSON document, so this prints nothing; `--quiet` does not hide it.
   */
  print(message: string): void {
    if (!this.json) process.stdout.write(`${message}\n`);
  }

  /** A headline on stderr, bold on a colour terminal. */
  heading(message: string): void {
    this.log(this.color ? `\x1b[1m${message}\x1b[0m` : message);
  }

  /** Machine output: one JSON document on stdout with --json. */
  result(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  progress(title: string): Progress {
    return new Progress(this, title);
  }
}

/** A progress bar with ETA on a terminal, plain lines otherwise, nothing with --quiet. */
export class Progress {
  private readonly start = performance.now();
  private lastDraw = 0;
  private active = false;

  constructor(
    private readonly ctx: Context,
    private readonly title: string,
  ) {}

  update(done: number, total: number, label: string, reused: boolean, running = false): void {
    if (this.ctx.quiet) return;
    if (!running) {
      this.doneCells = done;
      this.totalCells = total;
    }
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done > 0 && done < total ? (elapsed / done) * (total - done) : 0;
    const status = `${done}/${total}${reused ? ' (stored)' : ''}`;
    if (!this.ctx.tty) {
      if (!running) process.stderr.write(`${this.title} ${status} ${label}\n`);
      return;
    }
    const now = performance.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round((width * done) / total);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${this.title} ${bar} ${status} ${formatSeconds(elapsed)}${eta ? ` ETA ${formatSeconds(eta)}` : ''} · ${label}`;
    const columns = process.stderr.columns ?? 100;
    process.stderr.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
    this.active = true;
  }

  private lastInCell = 0;
  private doneCells = 0;
  private totalCells = 0;

  /**
   * How far a running cell is (a training run's steps): on a terminal the bar's label shows it;
   * otherwise a line at most every 10 s, so a log shows that a long cell moves.
   */
  inCell(key: string, done: number, total: number): void {
    if (this.ctx.quiet || total <= 0) return;
    const now = performance.now();
    const percent = `${Math.floor((100 * done) / total)}%`;
    if (!this.ctx.tty) {
      if (now - this.lastInCell < 10_000) return;
      this.lastInCell = now;
      process.stderr.write(`${this.title} running ${key}: ${done}/${total} (${percent})\n`);
      return;
    }
    if (now - this.lastDraw < 100) return;
    this.update(this.doneCells, Math.max(1, this.totalCells), `${key} ${percent}`, false, true);
  }

  done(message?: string): void {
    if (this.ctx.quiet) return;
    if (this.active) process.stderr.write('\r\x1b[2K');
    const elapsed = (performance.now() - this.start) / 1000;
    process.stderr.write(`${this.title}: ${message ?? 'done'} in ${formatSeconds(elapsed)}\n`);
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}
