/**
 * Runs a diagnostics experiment through the run store (finished cells read back, new ones written
 * at once), with progress, and writes its figure (SVG, PNG, spec) and data (JSON, CSV).
 */
import { writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import {
  type CellFailure,
  type CellProgress,
  type CellResult,
  checkMemory,
  type ExperimentDefinition,
  type ExperimentResult,
  type RunOptions,
  runExperiment as runDefinition,
} from '@trainlab/runner';
import { type BackendName, engineFailure, memoryLimit, tf } from '@trainlab/tensor';
import { flagName } from './configFlags';
import type { Context } from './context';
import { type CellOutput, computeCell } from './engine';
import type { CellPool } from './pool';
import { jobIdOf } from './queue';
import { writeFigure } from './render';
import { type RunStore, type Scope, scopeOf } from './store';
import { VERSIONS } from './versions';

// biome-ignore lint/suspicious/noExplicitAny: each experiment has its own row and config types
type AnyResult = ExperimentResult<any, any, any>;

/** How many cells were computed now and how many came from the store. */
export interface CellCounts {
  computed: number;
  reused: number;
  /** Cells whose worker failed (not stored: a rerun computes them). */
  failed: number;
  /** Wall time of the sweep itself. */
  ms: number;
}

/** Some cells of a sweep failed; the others are stored, so rerunning the command computes just these. */
export class CellsFailedError extends Error {
  override readonly name = 'CellsFailedError';
  constructor(readonly failures: readonly CellFailure[]) {
    super(
      `${failures.length} cell${failures.length > 1 ? 's' : ''} failed (the others are stored; rerun the same command to retry):\n` +
        failures.map((f) => `  - ${f.key}: ${f.reason}`).join('\n'),
    );
  }
}

/**
 * Runs cells through the store: `cells(completed, onCell, onProgress)` is the sweep; whatever the
 * store holds for this scope is handed in as `completed`, and each new cell is written before the
 * next one starts.
 */
export async function storedSweep<T>(
  ctx: Context,
  store: RunStore,
  scope: Scope,
  config: unknown,
  title: string,
  sweep: (options: RunOptions<unknown>) => Promise<T>,
  /** The backend recorded with each cell; by default the TensorFlow.js backend (started if need be). */
  backend?: string,
): Promise<{ result: T; counts: CellCounts }> {
  if (ctx.fresh) store.clear(scope);
  const completed = store.cells(scope) as CellResult<unknown>[];
  const backendName = backend ?? (await ctx.backend()).name;
  if (completed.length === 0) {
    const stale = store.staleCells(scope, config, backendName);
    if (stale.count > 0) {
      ctx.log(
        `${title}: ${stale.count} stored cell${stale.count > 1 ? 's' : ''} of this config came from other code (${stale.versions.join(', ')}; now ${scope.code.owner}, ${scope.experiment} v${scope.code.version}): computing anew, not reusing them`,
      );
    }
  }
  // Each cell records the package versions and the experiment's own protocol version.
  const storedVersions = { ...VERSIONS, [`experiment:${scope.experiment}`]: String(scope.code.version) };
  const progress = ctx.progress(title);
  const counts: CellCounts = { computed: 0, reused: 0, failed: 0, ms: 0 };
  const started = performance.now();
  const result = await sweep({
    completed,
    onCell: (cell) => {
      // The cell's own compute time, measured where it ran.
      store.put(scope, cell, { config, backend: backendName, versions: storedVersions, ms: cell.ms ?? 0 });
      counts.computed++;
    },
    onCellProgress: (key, done, total) => progress.inCell(key, done, total),
    onProgress: (e) => {
      if (e.reused) counts.reused++;
      if (e.failed) counts.failed++;
      progress.update(e.done, e.total, e.key, e.reused);
    },
  });
  counts.ms = performance.now() - started;
  progress.done(
    `${counts.computed} cells computed, ${counts.reused} read from the store${counts.failed ? `, ${counts.failed} FAILED` : ''}`,
  );
  return { result, counts };
}

/** The store scope of an experiment's run: its resolved config, the backend, and the code that computes it. */
export function experimentScope(definition: ExperimentDefinition, config: unknown, backend: string): Scope {
  return scopeOf(
    definition.id,
    { config, backend },
    { version: definition.version, owner: `${definition.owner}@${VERSIONS[definition.owner] ?? 'unknown'}` },
  );
}

/**
 * Runs one experiment (its config already resolved by its schema) through the store — on the
 * worker threads when its cells need TensorFlow.js and there are several — and writes its outputs
 * under `out/figures` and `out/data`.
 */
export async function runExperiment(
  ctx: Context,
  store: RunStore,
  definition: ExperimentDefinition,
  config: Record<string, unknown>,
): Promise<{ result: AnyResult; counts: CellCounts; files: OutputFiles }> {
  const tfjs = definition.engine === 'tfjs';
  // With a queue, cells run on `trainlab worker` processes, not on this machine's threads.
  const pool = tfjs && !ctx.queue ? ctx.cellPool() : null;
  // Plain-JavaScript experiments never start TensorFlow.js; their cells are recorded as 'js'.
  const backend = tfjs ? (await ctx.backend()).name : 'js';
  if (tfjs) {
    // A cell no engine instance can hold is refused before any work (exit 2), not aborted half-way.
    const name = backend as BackendName;
    checkMemory(
      definition,
      config,
      memoryLimit(name, totalmem()),
      (field) => `--${flagName(field)}`,
      name === 'wasm' ? ', or run on --backend cpu (tensors in RAM, several times slower)' : '',
    );
  }
  const scope = experimentScope(definition, config, backend);
  const queue = ctx.queue ? await ctx.cellQueue() : null;
  if (queue) {
    ctx.log(
      `${definition.id}: cells go through the queue at ${queue.target.display}; start workers with: trainlab worker --queue ${queue.target.display}`,
    );
  }
  const execute = queue
    ? (key: string) =>
        queue.execute(jobIdOf(scope.configHash, key), {
          experiment: definition.id,
          config,
          key,
          backend,
          owner: scope.code.owner,
          version: scope.code.version,
        })
    : pool
      ? (key: string, progress: CellProgress) =>
          pool.execute({ experiment: definition.id, config, key }, progress)
      : tfjs
        ? serialExecutor(ctx, definition.id, config)
        : undefined;
  const { result, counts } = await storedSweep(
    ctx,
    store,
    scope,
    config,
    definition.id,
    (options) =>
      runDefinition(
        definition,
        config,
        execute ? { ...options, execute, concurrency: queue ? QUEUE_WINDOW : (pool?.workers ?? 1) } : options,
      ),
    backend,
  );
  // Every cell failed: there is nothing to draw or write.
  if (result.rows.length === 0 && result.failures.length > 0) throw new CellsFailedError(result.failures);
  const files = await writeOutputs(ctx, definition.id, result);
  if (result.failures.length > 0) throw new CellsFailedError(result.failures);
  if (tfjs && tf.memory().numTensors > 10_000) ctx.log(`warning: ${tf.memory().numTensors} live tensors`);
  return { result, counts, files };
}

/** Cells queued ahead at once: enough for any number of workers, few enough for Redis and memory. */
const QUEUE_WINDOW = 2000;

/**
 * Cells computed one at a time on the main thread's engine (`--workers 1`). A cell that fails is
 * reported and the sweep goes on, as on worker threads; after a fatal engine failure (the wasm heap
 * aborted) this thread's TensorFlow.js is broken, so the remaining cells run on a fresh worker thread.
 */
function serialExecutor(
  ctx: Context,
  experiment: string,
  config: unknown,
): (key: string, progress: CellProgress) => Promise<CellOutput> {
  let broken: CellPool | undefined;
  return async (key, progress) => {
    if (broken) return broken.execute({ experiment, config, key }, progress);
    // Let Ctrl-C and progress through between cells.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      return await computeCell(experiment, config, key, progress);
    } catch (error) {
      const fatal = engineFailure(error);
      if (!fatal) throw error;
      broken = ctx.replacementPool();
      ctx.log(
        `${experiment}: ${fatal} on cell ${key}; this process's engine is broken, the remaining cells run on a fresh worker thread`,
      );
      throw new Error(fatal);
    }
  };
}

/** What `writeOutputs` writes: a figure, and rows with their config (and a summary, when there is one). */
export interface Outputs {
  experiment: string;
  config: unknown;
  figure: Record<string, unknown>;
  rows: readonly object[];
  summary?: readonly object[];
}

/** How every output counts layers: the input, then one per block, blocks counted from 1. */
export const LAYER_CONVENTION =
  'layer 0 is the input; layer ℓ = 1…L is the output of block ℓ, and per-block quantities (gradients of a block’s weights) carry the number of their block';

/** The files one experiment writes, by what they hold (absolute paths). */
export interface OutputFiles {
  /** The figure as SVG, PNG and its Vega-Lite spec. */
  svg: string;
  png: string;
  spec: string;
  /** Config, summary and rows as JSON. */
  json: string;
  /** The summary as CSV (the rows, when there is no summary). */
  csv: string;
  /** The rows as CSV, when there is a summary. */
  rowsCsv?: string;
}

/**
 * Figure (vl.json, svg, png) and data: JSON with the config, summary and rows; CSV of the summary
 * and of the rows (`<name>.csv` holds the rows when there is no summary).
 */
export async function writeOutputs(ctx: Context, name: string, out: Outputs): Promise<OutputFiles> {
  const figure = await writeFigure(out.figure, join(ctx.outDir('figures'), name));
  const data = ctx.outDir('data');
  const json = join(data, `${name}.json`);
  // A summary that is the rows themselves (one row per cell) is written once, as rows.
  const summary = out.summary === out.rows ? undefined : out.summary;
  // Per-layer data say how layers are counted (one convention in every output).
  const layered = out.rows.some((r) => typeof r === 'object' && r !== null && 'layer' in r);
  const conventions = layered ? { conventions: { layer: LAYER_CONVENTION } } : {};
  const body = summary
    ? { experiment: out.experiment, config: out.config, ...conventions, summary, rows: out.rows }
    : { experiment: out.experiment, config: out.config, ...conventions, rows: out.rows };
  writeFileSync(json, `${JSON.stringify(body, jsonNumbers, 2)}\n`);
  const csv = join(data, `${name}.csv`);
  writeFileSync(csv, toCsv(summary ?? out.rows));
  if (!summary) return { ...figure, json, csv };
  const rowsCsv = join(data, `${name}.rows.csv`);
  writeFileSync(rowsCsv, toCsv(out.rows));
  return { ...figure, json, csv, rowsCsv };
}

/** JSON has no NaN or Infinity: write them as null. */
export function jsonNumbers(_: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** CSV with a header from the union of the keys, RFC 4180 quoting. */
export function toCsv(rows: readonly object[]): string {
  const keys: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const cell = (v: unknown): string => {
    if (v === undefined || v === null) return '';
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [
    keys.join(','),
    ...rows.map((r) => keys.map((k) => cell((r as Record<string, unknown>)[k])).join(',')),
  ];
  return `${lines.join('\n')}\n`;
}

/** A fixed-width table of the chosen columns (for the end-of-run summary). */
export function table(rows: readonly Record<string, unknown>[], columns: string[]): string {
  const text = (v: unknown) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v ?? '');
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '─'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => text(r[c])))),
  ].join('\n');
}
