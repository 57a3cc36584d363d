/**
 * The derivative-free commands: minimize a built-in problem or a user's module, solve a min-max
 * game, and the flag readers they share (the benchmarks are in dfoBenchmarks.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  directSearch,
  GAMES,
  gameStationarity,
  MINIMAX_METHODS,
  type MinimaxMethod,
  MORE_WILD_VARIANTS,
  type MoreWildProblem,
  type MoreWildVariant,
  moreWildObjective,
  moreWildProblems,
  POLL_SET_NAMES,
  type PollSetName,
  type SolverResult,
  solveGame,
} from '@trainlab/dfo';
import { queueObjective } from '@trainlab/dfo/queue';
import { workerObjective } from '@trainlab/dfo/workers';
import { Rng } from '@trainlab/tensor';
import { type Context, UsageError } from './context';
import { checkReachable, connectionOf } from './queue';

// ---------------------------------------------------------------- minimize

/** Finds a Moré–Wild problem by its number (1–53) or its exact name. */
export function findProblem(name: string): MoreWildProblem {
  const problems = moreWildProblems();
  const byId = Number(name);
  const found = Number.isInteger(byId)
    ? problems.find((p) => p.id === byId)
    : problems.find((p) => p.name === name);
  if (!found) {
    throw new UsageError(
      `--problem must be a Moré–Wild problem number from 1 to ${problems.length} or its exact name (e.g. "${problems[0]!.name}"), got ${JSON.stringify(name)}`,
    );
  }
  return found;
}

/** Loads a user objective: a JS/TS module exporting a function (default, or the named `exportName`), and optionally `x0`. */
export async function loadObjective(
  path: string,
  exportName: string | undefined,
): Promise<{ f: (x: Float64Array) => number | Promise<number>; x0?: number[] }> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`--module: no file at ${file}`);
  let mod: Record<string, unknown>;
  try {
    if (/\.[cm]?ts$/.test(file)) {
      // TypeScript objectives load through tsx's loader, scoped to this one import.
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new UsageError(`--module: cannot load ${file}: ${(error as Error).message}`);
  }
  // A CommonJS or transpiled module puts the default export under default.default.
  const def = (mod.default as Record<string, unknown> | undefined)?.default ?? mod.default;
  const f = exportName ? mod[exportName] : typeof def === 'function' ? def : mod.objective;
  if (typeof f !== 'function') {
    throw new UsageError(
      `--module: ${file} must export a function ${exportName ? `named "${exportName}"` : '(default export or "objective")'}; exports: ${
        Object.keys(mod)
          .filter((k) => k !== 'default' || typeof mod.default === 'function')
          .join(', ') || 'none'
      }`,
    );
  }
  const x0 = Array.isArray(mod.x0)
    ? (mod.x0 as number[])
    : Array.isArray((mod.default as Record<string, unknown> | undefined)?.x0)
      ? ((mod.default as Record<string, unknown>).x0 as number[])
      : undefined;
  return x0 ? { f: f as (x: Float64Array) => number, x0 } : { f: f as (x: Float64Array) => number };
}

export interface MinimizeOptions {
  problem?: string;
  module?: string;
  export?: string;
  x0?: string;
  pollSet?: string;
  search?: string;
  maxEvals?: string;
  minStep?: string;
  variant?: string;
  maxTime?: string;
  evalTimeout?: string;
}

export async function minimizeCommand(ctx: Context, options: MinimizeOptions, seed: number): Promise<void> {
  let o = options;
  if ((o.problem === undefined) === (o.module === undefined)) {
    throw new UsageError('give exactly one of --problem <number|name> and --module <file>');
  }
  const pollSet = o.pollSet as PollSetName | undefined;
  if (pollSet !== undefined && !POLL_SET_NAMES.includes(pollSet))
    throw new UsageError(
      `--poll-set must be one of ${POLL_SET_NAMES.join(', ')}, got ${JSON.stringify(o.pollSet)}`,
    );
  if (o.search !== undefined && o.search !== 'model' && o.search !== 'none')
    throw new UsageError(`--search must be one of model, none, got ${JSON.stringify(o.search)}`);
  const maxEvaluations = positiveInt('--max-evals', o.maxEvals, 10_000);
  const minStep = o.minStep === undefined ? undefined : positiveNumber('--min-step', o.minStep);
  // Limits that hold while an evaluation is pending (seconds on the command line, ms for the library).
  const limits = {
    ...(o.maxTime === undefined ? {} : { maxTimeMs: 1000 * positiveNumber('--max-time', o.maxTime) }),
    ...(o.evalTimeout === undefined
      ? {}
      : { evaluationTimeoutMs: 1000 * positiveNumber('--eval-timeout', o.evalTimeout) }),
  };
  let f: (x: Float64Array) => number | PromiseLike<number>;
  let x0: number[] | undefined;
  let label: string;
  if (o.problem !== undefined) {
    const p = findProblem(o.problem);
    const variant = (o.variant ?? 'smooth') as MoreWildVariant;
    if (!MORE_WILD_VARIANTS.includes(variant))
      throw new UsageError(
        `--variant must be one of ${MORE_WILD_VARIANTS.join(', ')}, got ${JSON.stringify(o.variant)}`,
      );
    f = moreWildObjective(p, variant, new Rng(seed).fork('noise'));
    // The model search reads cached values: a stochastically noisy function has none to cache.
    if (variant === 'noisy') o = { ...o, search: o.search ?? 'none' };
    x0 = Array.from(p.x0);
    label = `${p.name} (${variant})`;
  } else {
    const loaded = await loadObjective(o.module!, o.export);
    f = loaded.f;
    x0 = loaded.x0;
    label = o.module!;
  }
  if (o.x0 !== undefined) x0 = numberList('--x0', o.x0);
  if (!x0) throw new UsageError('--x0 is required when the module does not export x0 (e.g. --x0 0,0)');
  // An expensive user objective can be evaluated on worker threads: the whole poll set of an
  // iteration at once (complete polling), so the iterates are those of a serial complete-polling run.
  const queued = o.module !== undefined && ctx.queue !== undefined;
  // Over a queue, the whole poll set of an iteration is evaluated at once (2n points) unless --workers says otherwise.
  const workers = o.module !== undefined ? (ctx.workersRequested ?? (queued ? 2 * x0.length : 1)) : 1;
  if (queued) await checkReachable(ctx.queue!);
  const pool = queued
    ? queueObjective(resolve(o.module!), {
        connection: connectionOf(ctx.queue!),
        workers,
        ...(o.export ? { exportName: o.export } : {}),
        ...(limits.evaluationTimeoutMs ? { timeoutMs: limits.evaluationTimeoutMs } : {}),
      })
    : workers > 1
      ? workerObjective(resolve(o.module!), {
          workers,
          ...(o.export ? { exportName: o.export } : {}),
          // A worker whose (synchronous) objective overruns the timeout is terminated and replaced.
          ...(limits.evaluationTimeoutMs ? { timeoutMs: limits.evaluationTimeoutMs } : {}),
          tsImport: import.meta.resolve('tsx/esm/api'),
        })
      : null;
  const search = (o.search ?? 'model') as 'model' | 'none';
  const how = `${search === 'model' ? 'model search, ' : ''}${pollSet ?? (search === 'model' ? 'probabilistic' : 'coordinate')} poll`;
  ctx.heading(
    `direct search (${how}${queued ? `, complete polls over the queue at ${ctx.queue!.display}, ${workers} at once` : pool ? `, complete polls on ${workers} worker threads` : ''}) on ${label}, n = ${x0.length}, budget ${maxEvaluations}`,
  );
  try {
    const solving = pool
      ? directSearch(pool.objective, x0, {
          ...(pollSet ? { pollSet } : {}),
          ...limits,
          search,
          maxEvaluations,
          ...(minStep === undefined ? {} : { minStep }),
          seed,
          concurrency: workers,
          polling: 'complete',
        })
      : directSearch(f, x0, {
          ...(pollSet ? { pollSet } : {}),
          ...limits,
          search,
          maxEvaluations,
          ...(minStep === undefined ? {} : { minStep }),
          seed,
        });
    const r = await neverStuck(solving, label);
    report(ctx, r, { label, search, pollSet: pollSet ?? null, seed, workers });
  } finally {
    await pool?.close();
  }
}

function report(ctx: Context, r: SolverResult, extra: Record<string, unknown>): void {
  ctx.print(`status: ${r.status} — ${r.message}`);
  ctx.print(`f = ${r.value} after ${r.evaluations} evaluations`);
  ctx.print(`x = [${Array.from(r.x, (v) => v.toPrecision(8)).join(', ')}]`);
  ctx.result({ ...extra, status: r.status, value: r.value, x: Array.from(r.x), evaluations: r.evaluations });
}

// ---------------------------------------------------------------- minimax

export interface MinimaxCommandOptions {
  game?: string;
  solver?: string;
  maxEvals?: string;
  noisy?: boolean;
}

export async function minimaxCommand(ctx: Context, o: MinimaxCommandOptions, seed: number): Promise<void> {
  const name = o.game ?? 'quadratic';
  const make = GAMES[name];
  if (!make)
    throw new UsageError(
      `--game must be one of ${Object.keys(GAMES).join(', ')}, got ${JSON.stringify(name)}`,
    );
  const solver = (o.solver ?? 'direct-search') as MinimaxMethod;
  if (!MINIMAX_METHODS.includes(solver))
    throw new UsageError(
      `--solver must be one of ${MINIMAX_METHODS.join(', ')}, got ${JSON.stringify(o.solver)}`,
    );
  const maxEvaluations = positiveInt('--max-evals', o.maxEvals, 20_000);
  if (o.noisy && solver !== 'direct-search') {
    throw new UsageError(
      `--noisy needs --solver direct-search (the GDA baselines have no stochastic oracle), got --solver ${solver}`,
    );
  }
  const game = make();
  ctx.heading(`${solver} on ${game.name}: ${game.description}${o.noisy ? ' (noisy oracle)' : ''}`);
  const run = await solveGame(game, solver, { maxEvaluations, seed, noisy: o.noisy ?? false });
  const r = {
    status: run.status,
    evaluations: run.evaluations,
    x: run.x,
    y: run.y,
    stationarity: gameStationarity(game, run.x, run.y),
  };
  ctx.print(`status: ${r.status}; ${r.evaluations} evaluations`);
  ctx.print(
    `x = [${Array.from(r.x, (v) => v.toPrecision(6)).join(', ')}], y = [${Array.from(r.y, (v) => v.toPrecision(6)).join(', ')}]`,
  );
  ctx.print(`stationarity ‖∇x f‖ + ‖∇y f‖ = ${r.stationarity.toExponential(3)}`);
  ctx.result({ game: name, solver, ...r, x: Array.from(r.x), y: Array.from(r.y) });
}

/**
 * Awaits a run whose objective may return a Promise that can never settle: when nothing is left
 * that could settle it (Node's event loop is empty), Node would exit with code 13 and print
 * nothing; this says what happened and how to bound it instead.
 */
async function neverStuck<T>(run: Promise<T>, label: string): Promise<T> {
  const stuck = () => {
    process.stderr.write(
      `trainlab: the objective of ${label} returned a Promise that never settles (nothing is left that could settle it); fix the objective, or bound each evaluation with --eval-timeout <seconds> and the run with --max-time <seconds>\n`,
    );
    process.exit(1);
  };
  process.once('beforeExit', stuck);
  try {
    return await run;
  } finally {
    process.off('beforeExit', stuck);
  }
}

// ---------------------------------------------------------------- flag helpers

export function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1)
    throw new UsageError(`${flag} must be an integer ≥ 1, got ${JSON.stringify(text)}`);
  return v;
}

export function positiveNumber(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0)
    throw new UsageError(`${flag} must be a number > 0, got ${JSON.stringify(text)}`);
  return v;
}

export function numberList(flag: string, text: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new UsageError(`${flag} must be a comma-separated list of numbers, got ${JSON.stringify(text)}`);
  }
  return values;
}
