/**
 * The `trainlab` command's definition (commander) and its `main`. Usage errors (bad flags, bad config files, bad input) exit with code 2
 * and a message that names the problem; other failures exit with 1.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { GAMES, MINIMAX_METHODS, MORE_WILD_VARIANTS, POLL_SET_NAMES } from '@trainlab/dfo';
import type { ExperimentDefinition } from '@trainlab/runner';
import { BACKEND_PREFERENCE, type BackendRequest, isUserError, Rng, tf } from '@trainlab/tensor';
import { Command, CommanderError, Option } from 'commander';
import { addConfigFlags, readConfig } from './configFlags';
import { Context, type GlobalOptions, UsageError } from './context';
import { EXPERIMENTS } from './definitions';
import { minimaxCommand, minimizeCommand, positiveInt } from './dfo';
import { CellsFailedError, runExperiment, table } from './experiments';
import { checkReachable, parseQueueUrl, QUEUE_ENV_VAR, runWorker } from './queue';
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
  const queue = o.queue ?? process.env[QUEUE_ENV_VAR];
  if (queue !== undefined && queue !== '') {
    out.queue = parseQueueUrl(String(queue), o.queue !== undefined ? '--queue' : QUEUE_ENV_VAR);
  }
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
  if (ctx.queue) await checkReachable(ctx.queue);
  const store = openStore(join(ctx.out, 'runs.sqlite'), { fresh: ctx.fresh, log: (line) => ctx.log(line) });
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

/** Aliases kept for commands that were renamed when their experiment got one id everywhere. */
const ALIASES: Record<string, string> = { 'more-wild': 'bench' };

/**
 * The command of one experiment: flags, help (with defaults) and config validation from its schema;
 * the run goes through the store; the summary (or the definition's digest) is printed as a table.
 */
function experimentCommand(parent: Command, definition: ExperimentDefinition, prefix: string): Command {
  const command = parent.command(definition.id).description(definition.title);
  const alias = ALIASES[definition.id];
  if (alias) command.alias(alias);
  addConfigFlags(command, definition);
  command.addHelpText('after', `\nExample:\n  ${prefix} ${definition.id} ${definition.example}`);
  command.action(async (options: Record<string, unknown>, cmd: Command) => {
    // Flags and config are checked before the store is opened or TensorFlow.js starts.
    const config = readConfig(definition, options, globals(cmd).seed);
    await withStore(cmd, async (ctx, store) => {
      const { result, counts, files } = await runExperiment(ctx, store, definition, config);
      const digest = definition.digest?.(result.summary, result.config);
      const shown = (digest ?? result.summary) as Record<string, unknown>[];
      ctx.print(table(shown.slice(0, 40), Object.keys(shown[0] ?? {}).slice(0, 8)));
      if (shown.length > 40) ctx.print(`… ${shown.length - 40} more rows in ${files.json}`);
      ctx.print(`\nfigure: ${files.svg} (and .png)\ndata: ${files.json}, ${files.csv}`);
      ctx.result({
        experiment: result.experiment,
        config: result.config,
        counts,
        files,
        ...(digest ? { digest } : {}),
        summary: result.summary,
      });
    });
  });
  return command;
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
    .option(
      '--queue <url>',
      `run sweeps' cells on a Redis job queue, computed by \`trainlab worker\` processes on any machines: redis://[:password@]host:port[/db] or rediss:// (default: $${QUEUE_ENV_VAR}, else this machine's worker threads)`,
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

  // Every experiment is a command: its flags, help and defaults come from its definition.
  for (const definition of EXPERIMENTS.filter((d) => d.owner !== '@trainlab/dfo'))
    experimentCommand(program, definition, 'trainlab');

  program
    .command('worker')
    .description(
      "compute sweeps' cells from a Redis job queue (--queue or $TRAINLAB_QUEUE), on this machine's worker threads, until stopped",
    )
    .option(
      '--concurrency <k>',
      'cells computed at once, one worker thread each (default: the number of cores)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  trainlab worker --queue redis://127.0.0.1:6379 --concurrency 2\n  trainlab signal --depth 24 --queue redis://127.0.0.1:6379',
    )
    .action(async (options: { concurrency?: string }, command: Command) => {
      const ctx = new Context(globals(command), DEFAULT_OUT);
      if (!ctx.queue) {
        throw new UsageError(`worker needs a queue: --queue redis://host:port (or $${QUEUE_ENV_VAR})`);
      }
      const concurrency = positiveInt('--concurrency', options.concurrency, availableParallelism());
      await checkReachable(ctx.queue);
      try {
        await runWorker(ctx, ctx.queue, concurrency);
      } finally {
        await ctx.close();
      }
    });

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
      new Option(
        '--search <kind>',
        "model: a quadratic model's minimizer before each poll; none: the poll alone (default: model; none for --variant noisy)",
      ).choices(['model', 'none']),
    )
    .addOption(
      new Option(
        '--poll-set <name>',
        "poll directions of each iteration (default: the library's — probabilistic with the model search, coordinate without)",
      ).choices(POLL_SET_NAMES),
    )
    .option('--max-evals <n>', 'evaluation budget (default: 10000)')
    .option('--min-step <a>', 'stop when the step size falls below this (default: 1e-8, as the library)')
    .option(
      '--max-time <seconds>',
      'stop the run after this long, even while an evaluation is pending (default: no limit)',
    )
    .option(
      '--eval-timeout <seconds>',
      'give up on one evaluation after this long: it counts as failed; with --workers its thread is replaced (default: no limit)',
    )
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
  // The benchmarks of @trainlab/dfo: commands of `trainlab dfo`, made as every experiment's.
  for (const definition of EXPERIMENTS.filter((d) => d.owner === '@trainlab/dfo'))
    experimentCommand(dfo, definition, 'trainlab dfo');

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
