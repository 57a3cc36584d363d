/**
 * Runs the cells of a sweep: finished cells of an earlier run are reused, each new cell is handed
 * out (`onCell`) as soon as it exists so a caller can store it before the next one starts,
 * progress is reported after every cell, cells can run elsewhere (a worker pool, a queue) with a
 * failed cell reported instead of stopping the sweep, and an abort stops between cells. Rows come
 * back in cell order whatever order cells finish in, so a parallel run returns what a serial one
 * does. Plain TypeScript: nothing here knows about TensorFlow.js or any experiment.
 */
import { RunnerError } from './errors';

/** One finished unit of work (one setting, one seed): its key and its raw rows. */
export interface CellResult<Row> {
  key: string;
  rows: Row[];
  /** Milliseconds the cell itself took to compute (absent for cells of an earlier run). */
  ms?: number;
}

/** Emitted after each cell, computed or reused. */
export interface ProgressEvent {
  experiment: string;
  /** Cells finished so far (including reused ones). */
  done: number;
  total: number;
  /** The cell just finished. */
  key: string;
  /** Whether it came from `completed` rather than being computed. */
  reused: boolean;
  /** Whether its executor failed (see `ExperimentResult.failures`). */
  failed: boolean;
  elapsedMs: number;
}

/** Options every experiment runner takes: progress, finished cells, resume, abort and where cells run. */
export interface RunOptions<Row> {
  /** Called after every cell. */
  onProgress?: (event: ProgressEvent) => void;
  /** Called while a cell runs, with how far it is (cells that report it: training runs, say). */
  onCellProgress?: (key: string, done: number, total: number) => void;
  /** Called with every newly computed cell, before the next one starts (awaited): save it here. */
  onCell?: (cell: CellResult<Row>) => void | Promise<void>;
  /** Cells of an earlier run: those keys are not computed again. */
  completed?: readonly CellResult<Row>[];
  /** Stops between cells; the runner then throws `E_ABORTED` (cells already handed out stay valid). */
  signal?: AbortSignal;
  /** Computes only the cells with these keys (what a worker does with one cell of a sweep). */
  only?: readonly string[];
  /**
   * Computes a cell elsewhere, e.g. on a worker thread that calls the same runner with
   * `{ only: [key] }`. Cells then run concurrently and a failed cell does not stop the sweep.
   */
  execute?: (key: string, progress: CellProgress) => Promise<Row[] | { rows: Row[]; ms: number }>;
  /** Cells in flight at once with `execute`. @defaultValue 64 */
  concurrency?: number;
}

/** How far a running cell is: `done` of `total` units (training steps, say). */
export type CellProgress = (done: number, total: number) => void;

/** One unit of work of an experiment: a key and the function that computes its rows. */
export interface Cell<Row> {
  key: string;
  /** Computes the rows; a long cell may say how far it is through `progress`. */
  run: (progress?: CellProgress) => Row[] | Promise<Row[]>;
}

/** A cell that could not be computed (its executor failed): the sweep goes on without it. */
export interface CellFailure {
  key: string;
  reason: string;
}

/**
 * Runs cells, reusing completed ones, reporting progress and yielding to the event loop between
 * cells. In-process cells run in order; with `options.execute` they run elsewhere (a worker pool),
 * up to `options.concurrency` at a time, and a cell whose executor fails is reported in `failures`
 * instead of stopping the sweep. Rows always come back in cell order, whatever the order cells
 * finish in, so a parallel run returns exactly what a serial one does.
 */
export async function runCells<Row>(
  experiment: string,
  cells: Cell<Row>[],
  options: RunOptions<Row>,
): Promise<{ rows: Row[]; failures: CellFailure[] }> {
  const only = options.only ? new Set(options.only) : null;
  const list = only ? cells.filter((c) => only.has(c.key)) : cells;
  const reuse = new Map((options.completed ?? []).map((c) => [c.key, c.rows]));
  const start = performance.now();
  const results: (Row[] | undefined)[] = new Array(list.length);
  const failures: CellFailure[] = [];
  let done = 0;
  const report = (key: string, reused: boolean, failed: boolean) => {
    done++;
    options.onProgress?.({
      experiment,
      done,
      total: list.length,
      key,
      reused,
      failed,
      elapsedMs: performance.now() - start,
    });
  };
  const aborted = () =>
    new RunnerError('E_ABORTED', `${experiment}: aborted after ${done} of ${list.length} cells`);

  const execute = options.execute;
  if (!execute) {
    for (let i = 0; i < list.length; i++) {
      if (options.signal?.aborted) throw aborted();
      const cell = list[i]!;
      const previous = reuse.get(cell.key);
      if (previous) results[i] = previous;
      else {
        const t0 = performance.now();
        results[i] = await cell.run((d, t) => options.onCellProgress?.(cell.key, d, t));
        await options.onCell?.({ key: cell.key, rows: results[i]!, ms: performance.now() - t0 });
        await new Promise((resolve) => setImmediate(resolve));
      }
      report(cell.key, previous !== undefined, false);
    }
  } else {
    let next = 0;
    const lane = async () => {
      while (next < list.length && !options.signal?.aborted) {
        const i = next++;
        const cell = list[i]!;
        const previous = reuse.get(cell.key);
        if (previous) {
          results[i] = previous;
          report(cell.key, true, false);
          continue;
        }
        let rows: Row[];
        let ms: number;
        const t0 = performance.now();
        try {
          const out = await execute(cell.key, (d, t) => options.onCellProgress?.(cell.key, d, t));
          // An executor that times the cell where it ran (a worker) says so; else the wait is the time.
          if (Array.isArray(out)) {
            rows = out;
            ms = performance.now() - t0;
          } else {
            rows = out.rows;
            ms = out.ms;
          }
        } catch (error) {
          failures.push({ key: cell.key, reason: (error as Error).message ?? String(error) });
          report(cell.key, false, true);
          continue;
        }
        results[i] = rows;
        await options.onCell?.({ key: cell.key, rows, ms });
        report(cell.key, false, false);
      }
    };
    const lanes = Math.max(1, Math.min(options.concurrency ?? 64, list.length));
    await Promise.all(Array.from({ length: lanes }, lane));
    if (options.signal?.aborted && done < list.length) throw aborted();
  }
  return { rows: results.flatMap((r) => r ?? []), failures };
}
