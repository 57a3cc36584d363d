/**
 * The `trainlab` command's definition (commander) and its `main`. Usage errors (bad flags, bad config files, bad input) exit with code 2
 * and a message that names the problem; other failures exit with 1.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BENCH_SOLVERS, GAMES, MINIMAX_METHODS, MORE_WILD_VARIANTS, POLL_SET_NAMES } from '@trainlab/dfo';
import { BACKEND_PREFERENCE, type BackendRequest, isUserError, Rng, tf } from '@trainlab/tensor';
import { Command, CommanderError, Option } from 'commander';
import { addConfigFlags, EXPERIMENT_COMMANDS, type ExperimentCommand, readConfig } from './config';
import { Context, type GlobalOptions, UsageError } from './context';
import { minimaxCommand, minimizeCommand, positiveInt, positiveNumber } from './dfo';
import { benchmarkScope, moreWildBenchmark } from './dfoBenchmarks';
import { CellsFailedError, runExperiment, table } from './experiments';
import { writeFigure } from './render';
import { reproduce } from './reproduce';
import { openStore, type SqliteRunStore } from './store';
import { CLI_VERSION } from './versions';

const DEFAULT_OUT = 'trainlab-out';

function globals(command: Command): GlobalOptions {
  const o = command.optsWithGlobals() as Record<string, unknown>;
  const seed = o.seed === undefined ? undefined : Number(o.seed);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)) {
    throw new UsageError(`--seed must be an integer from 0 to ${2 ** 31 - 1}, got ${JSON.stringify(o.seed)}`);
  }
  const out: GlobalOptions = {};
  if (seed !== undefined) out.seed = seed;
  if (o.backend !== undefined) out.backend = o.backend as BackendRequest;
  if (o.json) out.json = true;
  if (o.quiet) out.quiet = true;
  if (o.out !== undefined) out.out = String(o.out);
  if (o.fresh) out.fresh = true;
  if (o.workers !== undefined) {
    const workers = Number(o.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
      throw new UsageError(`--workers must be an integer from 1 to 256, got ${JSON.stringify(o.workers)}`);
    }
    out.workers = workers;
  }
  return out;
}

/**
 * Runs `body` with a context and a store, closing the store whatever happens. Ctrl-C stops at
 * once and says that the cells finished so far are stored and a rerun resumes from them.
 */
async function withStore(
  command: Command,
  body: (ctx: Context, store: SqliteRunStore) => Promise<void>,
): Promise<void> {
  const ctx = new Context(globals(command), DEFAULT_OUT);
  const store = openStore(join(ctx.out, 'runs.sqlite'));
  const interrupted = () => {
    process.stderr.write(
      `\ntrainlab: interrupted. Every finished cell is stored in ${store.path}; rerun the same command to resume from there.\n`,
    );
    store.close();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await body(ctx, store);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    store.close();
    await ctx.close();
  }
}

/** The `trainlab` program: every command, option and help text (also the source of the CLI reference). */
export function buildProgram(): Command {
  const program = new Command('trainlab')
    // Every subcommand's help lists the global options too (and what they default to).
    .configureHelp({ showGlobalOptions: true, sortOptions: false })
    .description(
      'Trainability experiments from the shell: rank collapse in transformers (Noci et al. 2022) and\n' +
        'direct search for stochastic min-max (Anagnostidis, Lucchi & Diouane 2021).',
    )
    .version(CLI_VERSION)
    .option(
      '--seed <n>',
      'first seed of every run (runs are reproducible: same seed, same numbers, same backend) (default: 0)',
    )
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend (default: $TRAINLAB_BACKEND, else auto)').choices(
        [...BACKEND_PREFERENCE, 'auto'],
      ),
    )
    .option('--json', 'the result as one JSON document on stdout instead of tables (logs stay on stderr)')
    .option('--quiet', 'no progress or logs on stderr (results still go to stdout)')
    .option(
      '--out <dir>',
      `output folder for figures, data, report and the run store (default: ./${DEFAULT_OUT})`,
    )
    .option('--fresh', 'ignore stored cells and compute everything again (default: resume from the store)')
    .option(
      '--workers <n>',
      `worker threads for sweeps, one TensorFlow.js each; 1 = main thread (default: the number of cores, ${availableParallelism()} here)`,
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('reproduce')
    .description("the papers' headline results as figures, data and a report (report.md, report.html)")
    .option('--quick', 'smaller sizes and no training runs (seconds instead of minutes; default: off)')
    .addHelpText('after', '\nExample:\n  trainlab reproduce --quick --out results')
    .action(async (options: { quick?: boolean }, command: Command) => {
      await withStore(command, async (ctx, store) => {
        const { findings, provenance } = await reproduce(ctx, store, options.quick ?? false, ctx.seed ?? 0);
        ctx.result({ out: ctx.out, provenance, findings });
      });
    });

  for (const [name, spec] of Object.entries(EXPERIMENT_COMMANDS) as [
    ExperimentCommand,
    (typeof EXPERIMENT_COMMANDS)[ExperimentCommand],
  ][]) {
    const command = program.command(name).description(spec.summary);
    addConfigFlags(command, spec.flags, spec.schema, spec.resolve);
    command.addHelpText('after', `\nExample:\n  ${spec.example}`);
    command.action(async (options: Record<string, unknown>, cmd: Command) => {
      // Flags and config are checked before the store is opened or TensorFlow.js starts.
      const config = readConfig(
        name,
        spec.schema as never,
        spec.flags,
        options,
        globals(cmd).seed,
        spec.resolve,
      ) as Record<string, unknown>;
      await withStore(cmd, async (ctx, store) => {
        const { result, counts, files } = await runExperiment(ctx, store, spec.runner, name, config);
        ctx.print(table(result.summary.slice(0, 40), Object.keys(result.summary[0] ?? {}).slice(0, 8)));
        if (result.summary.length > 40)
          ctx.print(`… ${result.summary.length - 40} more rows in ${files.json}`);
        ctx.print(`\nfigure: ${files.svg} (and .png)\ndata: ${files.json}, ${files.csv}`);
        ctx.result({
          experiment: result.experiment,
          config: result.config,
          counts,
          files,
          summary: result.summary,
        });
      });
    });
  }

  const dfo = program
    .command('dfo')
    .description('derivative-free optimization: minimize, min-max, benchmarks');
  dfo
    .command('minimize')
    .description('direct search on a Moré–Wild problem or on your own objective module')
    .option('--problem <id|name>', 'a Moré–Wild problem: number 1–53 or exact name')
    .addOption(
      new Option('--variant <name>', "the problem's variant, with --problem (default: smooth)").choices(
        MORE_WILD_VARIANTS,
      ),
    )
    .option(
      '--module <file>',
      'a JS/TS module exporting the objective (default export or "objective"), optionally x0',
    )
    .option('--export <name>', 'the export to use from --module')
    .option('--x0 <list>', "start point, e.g. 1,2,3 (default: the problem's or the module's x0)")
    .addOption(
      new Option('--poll-set <name>', 'poll directions of each iteration (default: coordinate)').choices(
        POLL_SET_NAMES,
      ),
    )
    .option('--max-evals <n>', 'evaluation budget (default: 10000)')
    .option('--min-step <a>', 'stop when the step size falls below this (default: 1e-8, as the library)')
    .addHelpText(
      'after',
      '\nExamples:\n  trainlab dfo minimize --problem 21\n  trainlab dfo minimize --module ./objective.mjs --x0 0,0 --poll-set probabilistic',
    )
    .action(async (options, command: Command) => {
      const ctx = new Context(globals(command), DEFAULT_OUT);
      await minimizeCommand(ctx, options, ctx.seed ?? 0);
    });
  dfo
    .command('minimax')
    .description('min_x max_y f(x, y) on a built-in game')
    .addOption(new Option('--game <name>', 'the game (default: quadratic)').choices(Object.keys(GAMES)))
    .addOption(new Option('--solver <name>', 'the method (default: direct-search)').choices(MINIMAX_METHODS))
    .option('--max-evals <n>', 'evaluation budget (default: 20000)')
    .option('--noisy', 'use the stochastic oracle F(x, y, ξ); direct search only (default: off)')
    .addHelpText('after', '\nExample:\n  trainlab dfo minimax --game nonconvex-pl --noisy')
    .action(async (options, command: Command) => {
      const ctx = new Context(globals(command), DEFAULT_OUT);
      await minimaxCommand(ctx, options, ctx.seed ?? 0);
    });
  dfo
    .command('bench')
    .description('Moré–Wild data profiles for chosen solvers (stored and resumable)')
    .option(
      '--solvers <list>',
      `comma-separated, from ${Object.keys(BENCH_SOLVERS).join(', ')} (default: ds-coordinate,ds-probabilistic,nelder-mead)`,
    )
    .addOption(
      new Option('--variant <name>', "the problems' variant (default: smooth)").choices(MORE_WILD_VARIANTS),
    )
    .option('--tau <t>', 'accuracy τ of the data profile, in (0, 1) (default: 1e-3)')
    .option('--budget <k>', 'evaluations per problem in units of n + 1 (default: 100)')
    .addHelpText(
      'after',
      '\nExample:\n  trainlab dfo bench --solvers ds-probabilistic,nelder-mead --variant noisy',
    )
    .action(
      async (
        options: { solvers?: string; variant?: string; tau?: string; budget?: string },
        command: Command,
      ) => {
        await withStore(command, async (ctx, store) => {
          const variant = (options.variant ?? 'smooth') as 'smooth';
          if (!['smooth', 'nondiff', 'wild', 'noisy'].includes(variant)) {
            throw new UsageError(
              `--variant must be one of smooth, nondiff, wild, noisy, got ${JSON.stringify(options.variant)}`,
            );
          }
          const tau = options.tau === undefined ? 1e-3 : positiveNumber('--tau', options.tau);
          if (tau >= 1)
            throw new UsageError(`--tau must be a number in (0, 1), got ${JSON.stringify(options.tau)}`);
          const config = {
            solvers: (options.solvers ?? 'ds-coordinate,ds-probabilistic,nelder-mead')
              .split(',')
              .map((s) => s.trim()),
            variant,
            tau,
            budget: positiveInt('--budget', options.budget, 100),
            seed: ctx.seed ?? 0,
          };
          const { summary, figure, counts } = await moreWildBenchmark(
            ctx,
            store,
            benchmarkScope('more-wild', config),
            config,
          );
          const files = await writeFigure(figure, join(ctx.outDir('figures'), 'more-wild'));
          const final = config.solvers.map((solver) => ({
            solver,
            solved: summary.filter((r) => r.solver === solver).at(-1)!.solved,
          }));
          ctx.print(table(final, ['solver', 'solved']));
          ctx.print(`figure: ${files.svg} (and .png)`);
          ctx.result({ config, counts, final, files });
        });
      },
    );

  program
    .command('backend')
    .description('which TensorFlow.js backend runs, and its measured matmul speed')
    .addHelpText('after', '\nExample:\n  TRAINLAB_BACKEND=cpu trainlab backend')
    .action(async (_options, command: Command) => {
      const ctx = new Context(globals(command), DEFAULT_OUT);
      const info = await ctx.backend();
      const rates: { size: number; gflops: number }[] = [];
      for (const size of [128, 256, 512]) {
        const rng = new Rng(size);
        const a = tf.tensor2d(Float32Array.from(rng.normal(size * size)), [size, size]);
        const b = tf.tensor2d(Float32Array.from(rng.normal(size * size)), [size, size]);
        tf.matMul(a, b).dispose();
        const reps = 5;
        const t = performance.now();
        for (let i = 0; i < reps; i++) {
          const c = tf.matMul(a, b);
          c.dataSync();
          c.dispose();
        }
        const ms = (performance.now() - t) / reps;
        rates.push({ size, gflops: (2 * size ** 3) / ms / 1e6 });
        tf.dispose([a, b]);
      }
      ctx.print(info.message);
      ctx.print(
        table(
          rates.map((r) => ({ size: `${r.size}³`, 'GFLOP/s': r.gflops })),
          ['size', 'GFLOP/s'],
        ),
      );
      ctx.result({ backend: info, sgemm: rates });
    });

  return program;
}

/**
 * What the user sees of an error, by the one convention of the packages (`kind`, see
 * `TrainlabError`): a user error is one line and exit 2; the machine refusing (a file-system or
 * system error) is one line and exit 1; anything else is a bug in trainlab: said so, with the stack,
 * exit 1.
 */
export function reportError(error: unknown): number {
  if (isUserError(error)) {
    process.stderr.write(`trainlab: ${(error as Error).message}\n`);
    return 2;
  }
  const system = error as NodeJS.ErrnoException;
  if (typeof system?.syscall === 'string') {
    process.stderr.write(`trainlab: ${system.message}\n`);
    return 1;
  }
  process.stderr.write(
    `trainlab: this is a bug in trainlab; please report it with the command you ran and this trace:\n${(error as Error)?.stack ?? String(error)}\n`,
  );
  return 1;
}

/** Runs the command line `argv` (as `process.argv`) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2; // commander has printed the message
    }
    if (error instanceof CellsFailedError) {
      process.stderr.write(`trainlab: ${error.message}\n`);
      return 1;
    }
    return reportError(error);
  }
}
