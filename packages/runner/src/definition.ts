/**
 * An experiment (or benchmark) defined once, in the package that owns it, as data: its id and
 * protocol version, its config schema, how a config becomes cells, how rows become a summary and
 * a figure, and what the paper claims of it. The library function, the CLI command and its flags,
 * the worker threads, `reproduce`'s report and the docs' reference all iterate these definitions.
 */
import type { z } from 'zod';
import { RunnerError } from './errors';
import { type Cell, type CellFailure, type RunOptions, runCells } from './runCells';
import { parseConfig } from './schema';

/** A Vega-Lite (v5) specification with its data inline: render it with vega-lite, or save it as JSON. */
export type FigureSpec = Record<string, unknown>;

/** What running an experiment returns: the resolved config, rows, summary, failures and a figure. */
export interface ExperimentResult<Config, Row, Summary> {
  /** The definition's id. */
  experiment: string;
  /** The config with every default filled in. */
  config: Config;
  /** Raw rows (per seed), in cell order. */
  rows: Row[];
  /** What the rows say (means and spreads over seeds, predictions where a theory has them). */
  summary: Summary[];
  figure: FigureSpec;
  /** Cells whose executor failed (only with `RunOptions.execute`); their rows are missing. */
  failures: CellFailure[];
}

/** What a result says of a paper's claim: a section of the report. */
export interface Finding {
  /** The section's title (with the sizes it ran at). */
  title: string;
  /** Two sentences: what the figure shows, in numbers. */
  reading: string;
  /** The claim this checks, in the paper's terms. */
  claim: string;
  /** Whether the numbers agree with the claim (decided from the data, never tuned). */
  agrees: boolean;
}

/** How `reproduce` runs an experiment and reads its result. */
export interface ReproduceSpec<Input, Config, Row, Summary> {
  /** Which paper's claim it checks. */
  paper: 'rank collapse' | 'entropy collapse' | 'μP' | 'direct search';
  /** The config at each size (`quick`: seconds); `null`: skipped at that size. */
  config(options: { quick: boolean; seed: number }): Input | null;
  /** What the result says of the paper's claim. */
  finding(result: ExperimentResult<Config, Row, Summary>): Finding;
}

/**
 * One experiment, declared once. `cells`, `summarize` and `figure` are pure functions of the
 * resolved config (and the rows): the same config and seed give the same cells with the same keys
 * everywhere, so a cell can be computed on another thread or machine, stored, and reused.
 */
export interface ExperimentDefinition<
  // biome-ignore lint/suspicious/noExplicitAny: a definition's schema can be any config schema
  Schema extends z.ZodType = any,
  // biome-ignore lint/suspicious/noExplicitAny: rows are the definition's own
  Row = any,
  // biome-ignore lint/suspicious/noExplicitAny: summary rows are the definition's own
  Summary = any,
> {
  /** The one name it has everywhere: library registry, CLI command, store, report section, docs. */
  id: string;
  /**
   * The protocol version: bump it whenever a change alters the rows a cell computes for the same
   * config and seed. Stores key cells by it, so stale cells are never served as current.
   */
  version: number;
  /** The package that owns (and computes) it, e.g. `@trainlab/diagnostics`. */
  owner: string;
  /** One line: what it measures. */
  title: string;
  /** The arguments of an example command line, e.g. `--depth 24 --norms post,pre`. */
  example: string;
  /** What computes its cells: TensorFlow.js (a backend must start) or plain JavaScript. */
  engine: 'tfjs' | 'js';
  /** The config: one zod schema, every field with `.describe()` and (where it has one) `.default()`. */
  schema: Schema;
  /** The cells of a resolved config, each with a stable key. */
  cells(config: z.output<Schema>): Cell<Row>[];
  /** The summary of the rows (those of failed cells are missing). */
  summarize(rows: Row[], config: z.output<Schema>): Summary[];
  /** The figure of a summary. */
  figure(summary: Summary[], config: z.output<Schema>): FigureSpec;
  /**
   * What a front end shows of a result at a glance (a table's rows): by default the summary itself;
   * a definition whose summary is long (a profile per κ) says what matters in it.
   */
  digest?(summary: Summary[], config: z.output<Schema>): Record<string, unknown>[];
  /**
   * The memory its largest cell needs on the engine (an estimate), so that a size no engine can
   * hold is refused before any work (`checkMemory`). Absent: no check.
   */
  memory?(config: z.output<Schema>): MemoryNeed;
  /** The config fields that set a cell's size, most effective first (named in `checkMemory`'s message). */
  sizeFields?: readonly string[];
  /** How `reproduce` runs it and what it checks; absent: not part of the report. */
  reproduce?: ReproduceSpec<z.input<Schema>, z.output<Schema>, Row, Summary>;
}

/** A definition's config with every default filled in; `E_CONFIG` names every bad field, before any work. */
export function resolveConfig<S extends z.ZodType>(
  definition: ExperimentDefinition<S>,
  input: z.input<S> | undefined,
): z.output<S> {
  return parseConfig(definition.id, definition.schema, input ?? {});
}

/**
 * Runs an experiment: validates the config, runs its cells (reusing `options.completed`, handing
 * each new one to `options.onCell`, on `options.execute` if given), then summarizes and draws.
 */
export async function runExperiment<S extends z.ZodType, Row, Summary>(
  definition: ExperimentDefinition<S, Row, Summary>,
  input: z.input<S> = {} as z.input<S>,
  options: RunOptions<Row> = {},
): Promise<ExperimentResult<z.output<S>, Row, Summary>> {
  const config = resolveConfig(definition, input);
  const { rows, failures } = await runCells(definition.id, definition.cells(config), options);
  const summary = definition.summarize(rows, config);
  return {
    experiment: definition.id,
    config,
    rows,
    summary,
    failures,
    figure: definition.figure(summary, config),
  };
}

/** The cell `key` of a resolved config (what a worker computes); throws if the config has no such cell. */
export function cellOf<S extends z.ZodType, Row>(
  definition: ExperimentDefinition<S, Row>,
  config: z.output<S>,
  key: string,
): Cell<Row> {
  const cell = definition.cells(config).find((c) => c.key === key);
  if (!cell) throw new Error(`${definition.id} has no cell ${JSON.stringify(key)} for this config`);
  return cell;
}

/** Numbers for the report's sentences: fixed digits, or n/a. */
export function fixed(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

/** Numbers for the report's sentences: one significant digit after the point, exponent form. */
export function sci(x: number): string {
  return Number.isFinite(x) ? x.toExponential(1) : 'n/a';
}

/** What the largest cell of a config needs: the engine's peak bytes and which cell that is, in words. */
export interface MemoryNeed {
  bytes: number;
  /** e.g. `post · MLP, 48 blocks, d = 1024, n = 256 (forward pass)`. */
  cell: string;
}

/** The most memory one engine instance can hold, and why (`memoryLimit` of `@trainlab/tensor`). */
export interface MemoryBound {
  bytes: number;
  reason: string;
}

/** `5.9 GiB`, `820 MiB`. */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(1)} GiB`
    : `${Math.max(1, Math.round(bytes / 2 ** 20))} MiB`;
}

/**
 * Refuses, before any work, a config whose largest cell cannot fit in one engine instance: an
 * `E_CONFIG` error naming the cell, its estimated need, the limit, the fields that set the size
 * (as `name` writes them, e.g. CLI flags) and, for the first one, the largest value that fits.
 * Definitions without a `memory` estimate pass.
 */
export function checkMemory<S extends z.ZodType>(
  definition: ExperimentDefinition<S>,
  config: z.output<S>,
  limit: MemoryBound,
  name: (field: string) => string = (field) => field,
  hint = '',
): void {
  const estimate = definition.memory;
  if (!estimate || !Number.isFinite(limit.bytes)) return;
  const need = estimate(config);
  if (need.bytes <= limit.bytes) return;
  const fields = definition.sizeFields ?? [];
  let fits = '';
  const first = fields[0];
  const current = first === undefined ? undefined : (config as Record<string, unknown>)[first];
  if (first !== undefined && typeof current === 'number' && Number.isInteger(current) && current > 1) {
    // The largest value of the first size field that fits, the others as given (bisection).
    let lo = 0;
    let hi = current;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (estimate({ ...(config as object), [first]: mid } as z.output<S>).bytes <= limit.bytes) lo = mid;
      else hi = mid;
    }
    if (lo >= 1) fits = ` (${name(first)} ${lo} fits)`;
  }
  throw new RunnerError(
    'E_CONFIG',
    `${definition.id}: its largest cell (${need.cell}) needs about ${formatBytes(need.bytes)}, more than ${limit.reason}; lower ${fields.map(name).join(', ') || 'its sizes'}${fits}${hint}`,
  );
}
