/**
 * Experiment configs from flags and config files (JSON or YAML), validated with zod schemas: a bad
 * field is a `UsageError` (exit code 2) that names it, says what is allowed and what was given.
 */
import { readFileSync } from 'node:fs';
import { TASK_NAMES } from '@trainlab/attention';
import {
  DONG_VARIANTS,
  RATIO_VARIABLES,
  resolveCollapseConfig,
  resolveDepthSweepConfig,
  resolveDongConfig,
  resolveGradientNormsConfig,
  resolveGradientRatioConfig,
  resolveOptimizerConfig,
  resolveTokenCosineConfig,
  resolveTrainingDepthConfig,
  TRAINING_OPTIMIZERS,
} from '@trainlab/diagnostics';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from './context';

/** Integers and numbers in a range, with one message for every way a value can miss it. */
const int = (min: number, max: number) => {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const num = (min: number, max: number) => {
  const error = `must be a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
};
const norm = z.enum(['post', 'pre', 'none']);
const scale = z.union([num(0, 1e6), z.literal('inv-sqrt-depth')], {
  error: "must be a number from 0 to 1000000 or 'inv-sqrt-depth'",
});
const nonEmpty = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: 'must be a list' }).min(1, { error: 'must be a non-empty list' });

const settings = {
  n: int(2, 4096).optional(),
  dModel: int(1, 8192).optional(),
  heads: int(1, 256).optional(),
  seeds: int(1, 1000).optional(),
  seed: int(0, 2 ** 31 - 1).optional(),
  norms: nonEmpty(norm).optional(),
  scales: nonEmpty(scale).optional(),
  mlp: nonEmpty(z.boolean()).optional(),
  attention: z.enum(['softmax', 'uniform']).optional(),
  rho0: num(0, 0.999).optional(),
  init: z
    .strictObject({
      q: num(0, 1e3).optional(),
      k: num(0, 1e3).optional(),
      v: num(0, 1e3).optional(),
      o: num(0, 1e3).optional(),
      mlp: num(0, 1e3).optional(),
    })
    .optional(),
};

/** One flag: its name, the config key it sets (`a.b` for a nested field) and how its text is read. */
export interface FlagSpec {
  flag: string;
  key: string;
  kind: 'int' | 'number' | 'ints' | 'numbers' | 'strings' | 'bools' | 'scales' | 'string';
  help: string;
  /** The default as help shows it, where the resolved config does not hold it. */
  defaultText?: string;
}

const INIT_FLAGS: FlagSpec[] = (['q', 'k', 'v', 'o', 'mlp'] as const).map((group) => ({
  flag: `init-${group}`,
  key: `init.${group}`,
  kind: 'number',
  help: `init σ of ${group === 'mlp' ? 'both MLP weights' : `W_${group.toUpperCase()}`} (entries N(0, σ²/fan_in))`,
  defaultText: '1',
}));

const SETTINGS_FLAGS: FlagSpec[] = [
  { flag: 'n', key: 'n', kind: 'int', help: 'tokens per sequence' },
  { flag: 'd-model', key: 'dModel', kind: 'int', help: 'token width d' },
  { flag: 'heads', key: 'heads', kind: 'int', help: 'attention heads' },
  { flag: 'seeds', key: 'seeds', kind: 'int', help: 'seeds per setting' },
  { flag: 'norms', key: 'norms', kind: 'strings', help: 'LayerNorm placements: post,pre,none' },
  {
    flag: 'scales',
    key: 'scales',
    kind: 'scales',
    help: 'residual scales: numbers or inv-sqrt-depth, e.g. 1,inv-sqrt-depth',
  },
  { flag: 'mlp', key: 'mlp', kind: 'bools', help: 'blocks with an MLP: false,true' },
  { flag: 'attention', key: 'attention', kind: 'string', help: 'softmax or uniform' },
  { flag: 'rho0', key: 'rho0', kind: 'number', help: 'correlation of the input tokens' },
  ...INIT_FLAGS,
];

const training = {
  task: z.enum(TASK_NAMES).optional(),
  length: int(2, 64).optional(),
  symbols: int(2, 256).optional(),
  trainSize: int(10, 1_000_000).optional(),
  validationSize: int(10, 1_000_000).optional(),
  dModel: int(2, 4096).optional(),
  heads: int(1, 64).optional(),
  steps: int(1, 1_000_000).optional(),
  batchSize: int(1, 4096).optional(),
  evalEvery: int(1, 1_000_000).optional(),
  seeds: int(1, 1000).optional(),
  seed: int(0, 2 ** 31 - 1).optional(),
};

const TRAINING_FLAGS: FlagSpec[] = [
  { flag: 'task', key: 'task', kind: 'string', help: `task: ${TASK_NAMES.join(', ')}` },
  { flag: 'length', key: 'length', kind: 'int', help: 'sequence length (algorithmic tasks)' },
  { flag: 'symbols', key: 'symbols', kind: 'int', help: 'symbols (algorithmic tasks)' },
  { flag: 'train-size', key: 'trainSize', kind: 'int', help: 'training examples' },
  { flag: 'validation-size', key: 'validationSize', kind: 'int', help: 'validation examples' },
  { flag: 'd-model', key: 'dModel', kind: 'int', help: 'token width d' },
  { flag: 'heads', key: 'heads', kind: 'int', help: 'attention heads' },
  { flag: 'steps', key: 'steps', kind: 'int', help: 'training steps' },
  { flag: 'batch-size', key: 'batchSize', kind: 'int', help: 'batch size' },
  { flag: 'eval-every', key: 'evalEvery', kind: 'int', help: 'evaluate every this many steps' },
  { flag: 'seeds', key: 'seeds', kind: 'int', help: 'seeds per setting' },
];

/** A diagnostics runner's config resolver: fills in every default, throws `E_CONFIG` on a bad field. */
// biome-ignore lint/suspicious/noExplicitAny: each runner has its own config type
type Resolver = (config: any) => object;

/** The diagnostics commands: schema, flags, which runner they call and its config resolver. */
export const EXPERIMENT_COMMANDS = {
  signal: {
    runner: 'tokenCosine',
    resolve: resolveTokenCosineConfig,
    summary: 'token cosine per layer at initialization, measured and predicted (experiment 1)',
    example: 'trainlab signal --depth 24 --norms post,pre --scales 1,inv-sqrt-depth',
    schema: z.strictObject({ ...settings, depth: int(1, 1024).optional() }),
    flags: [...SETTINGS_FLAGS, { flag: 'depth', key: 'depth', kind: 'int', help: 'blocks L' }],
  },
  depth: {
    runner: 'depthSweep',
    resolve: resolveDepthSweepConfig,
    summary: 'last-layer token cosine as the depth grows, measured and predicted (experiment 2)',
    example: 'trainlab depth --depths 1,4,16,64 --norms post',
    schema: z.strictObject({ ...settings, depths: nonEmpty(int(1, 1024)).optional() }),
    flags: [
      ...SETTINGS_FLAGS,
      { flag: 'depths', key: 'depths', kind: 'ints', help: 'depths to run, e.g. 1,2,4,8' },
    ],
  },
  grads: {
    runner: 'gradientNorms',
    resolve: resolveGradientNormsConfig,
    summary: 'gradient norms of W_Q, W_K, W_V, W_O and the MLP per layer at initialization (experiment 3)',
    example: 'trainlab grads --depth 16 --norms post --mlp false',
    schema: z.strictObject({ ...settings, depth: int(1, 1024).optional() }),
    flags: [...SETTINGS_FLAGS, { flag: 'depth', key: 'depth', kind: 'int', help: 'blocks L' }],
  },
  ratio: {
    runner: 'gradientRatio',
    resolve: resolveGradientRatioConfig,
    summary: 'Q/V gradient ratio against ρ, d_k, n, σ_x and τ, measured and predicted (experiment 4)',
    example: 'trainlab ratio --variables rho,tau --tau 0.5',
    schema: z.strictObject({
      rho: num(0, 0.999).optional(),
      headDim: int(1, 4096).optional(),
      n: int(2, 4096).optional(),
      sigmaX: num(1e-3, 1e3).optional(),
      tau: num(0, 1e3).optional(),
      dModel: int(1, 8192).optional(),
      seeds: int(1, 1000).optional(),
      seed: int(0, 2 ** 31 - 1).optional(),
      variables: nonEmpty(z.enum(RATIO_VARIABLES)).optional(),
      sweeps: z
        .strictObject({
          rho: nonEmpty(num(0, 0.999)).optional(),
          headDim: nonEmpty(int(1, 4096)).optional(),
          n: nonEmpty(int(2, 4096)).optional(),
          sigmaX: nonEmpty(num(1e-3, 1e3)).optional(),
          tau: nonEmpty(num(0, 1e3)).optional(),
        })
        .optional(),
    }),
    flags: [
      { flag: 'rho', key: 'rho', kind: 'number', help: 'base token correlation' },
      { flag: 'head-dim', key: 'headDim', kind: 'int', help: 'base head width d_k' },
      { flag: 'n', key: 'n', kind: 'int', help: 'base tokens' },
      { flag: 'sigma-x', key: 'sigmaX', kind: 'number', help: 'base input scale σ_x' },
      { flag: 'tau', key: 'tau', kind: 'number', help: 'base inverse temperature τ' },
      { flag: 'd-model', key: 'dModel', kind: 'int', help: 'token width d' },
      { flag: 'seeds', key: 'seeds', kind: 'int', help: 'seeds per point' },
      {
        flag: 'variables',
        key: 'variables',
        kind: 'strings',
        help: `variables to sweep: ${RATIO_VARIABLES.join(',')}`,
      },
    ] as FlagSpec[],
  },
  collapse: {
    runner: 'collapse',
    resolve: resolveCollapseConfig,
    summary:
      'inputs at distance ε from collapse: Q/K gradients 0 at ε = 0 and ∝ ε², V gradients O(1) (experiment 6)',
    example: 'trainlab collapse --eps 0,0.001,0.01,0.1',
    schema: z.strictObject({
      norms: nonEmpty(norm).optional(),
      mlp: nonEmpty(z.boolean()).optional(),
      eps: nonEmpty(num(0, 1e3)).optional(),
      depth: int(1, 1024).optional(),
      n: int(2, 4096).optional(),
      dModel: int(1, 8192).optional(),
      seeds: int(1, 1000).optional(),
      seed: int(0, 2 ** 31 - 1).optional(),
    }),
    flags: [
      { flag: 'norms', key: 'norms', kind: 'strings', help: 'LayerNorm placements: post,pre,none' },
      { flag: 'mlp', key: 'mlp', kind: 'bools', help: 'blocks with an MLP: false,true' },
      { flag: 'eps', key: 'eps', kind: 'numbers', help: 'distances from collapse, e.g. 0,0.01,0.1' },
      { flag: 'depth', key: 'depth', kind: 'int', help: 'blocks L' },
      { flag: 'n', key: 'n', kind: 'int', help: 'tokens' },
      { flag: 'd-model', key: 'dModel', kind: 'int', help: 'token width d' },
      { flag: 'seeds', key: 'seeds', kind: 'int', help: 'seeds per setting' },
    ] as FlagSpec[],
  },
  dong: {
    runner: 'dongResidual',
    resolve: resolveDongConfig,
    summary: "pure attention vs skips, MLPs and LN: Dong et al.'s residual per layer (experiment 5)",
    example: 'trainlab dong --depth 12',
    schema: z.strictObject({
      depth: int(1, 1024).optional(),
      n: int(2, 4096).optional(),
      dModel: int(1, 8192).optional(),
      heads: int(1, 256).optional(),
      seeds: int(1, 1000).optional(),
      seed: int(0, 2 ** 31 - 1).optional(),
      variants: nonEmpty(z.enum(DONG_VARIANTS)).optional(),
    }),
    flags: [
      { flag: 'depth', key: 'depth', kind: 'int', help: 'blocks L' },
      { flag: 'n', key: 'n', kind: 'int', help: 'tokens' },
      { flag: 'd-model', key: 'dModel', kind: 'int', help: 'token width d' },
      { flag: 'heads', key: 'heads', kind: 'int', help: 'attention heads' },
      { flag: 'seeds', key: 'seeds', kind: 'int', help: 'seeds per variant' },
    ] as FlagSpec[],
  },
  train: {
    runner: 'trainingDepth',
    resolve: resolveTrainingDepthConfig,
    summary: 'train Post-LN models at growing depth, α = 1 vs 1/√L: loss and token cosine over training',
    example: 'trainlab train --task reverse --depths 2,8 --steps 300 --seeds 3',
    schema: z.strictObject({
      ...training,
      depths: nonEmpty(int(1, 256)).optional(),
      scales: nonEmpty(scale).optional(),
      norm: norm.optional(),
      lr: num(0, 10).optional(),
    }),
    flags: [
      ...TRAINING_FLAGS,
      { flag: 'depths', key: 'depths', kind: 'ints', help: 'depths, e.g. 2,8' },
      { flag: 'scales', key: 'scales', kind: 'scales', help: 'residual scales, e.g. 1,inv-sqrt-depth' },
      { flag: 'norm', key: 'norm', kind: 'string', help: 'post | pre | none' },
      { flag: 'lr', key: 'lr', kind: 'number', help: "Adam's learning rate" },
    ] as FlagSpec[],
  },
  optimizers: {
    runner: 'optimizers',
    resolve: resolveOptimizerConfig,
    summary: 'Adam vs SGD vs SGD with balanced Q/K learning rates, at equal steps',
    example: 'trainlab optimizers --task translate --depth 4 --steps 400',
    schema: z.strictObject({
      ...training,
      depth: int(1, 256).optional(),
      norm: norm.optional(),
      scale: scale.optional(),
      optimizers: nonEmpty(z.enum(TRAINING_OPTIMIZERS)).optional(),
      adamLr: num(0, 10).optional(),
      sgdLr: num(0, 100).optional(),
    }),
    flags: [
      ...TRAINING_FLAGS,
      { flag: 'depth', key: 'depth', kind: 'int', help: 'blocks L' },
      { flag: 'norm', key: 'norm', kind: 'string', help: 'post | pre | none' },
      { flag: 'scale', key: 'scale', kind: 'scales', help: 'residual scale: a number or inv-sqrt-depth' },
      {
        flag: 'optimizers',
        key: 'optimizers',
        kind: 'strings',
        help: `optimizers: ${TRAINING_OPTIMIZERS.join(',')}`,
      },
      { flag: 'adam-lr', key: 'adamLr', kind: 'number', help: "Adam's learning rate" },
      { flag: 'sgd-lr', key: 'sgdLr', kind: 'number', help: "SGD's learning rate" },
    ] as FlagSpec[],
  },
} as const;

export type ExperimentCommand = keyof typeof EXPERIMENT_COMMANDS;

/** A config value as one would type it on the command line: lists comma-separated. */
export function flagText(value: unknown): string {
  if (Array.isArray(value)) return value.map(flagText).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The value at a dotted path (`init.q`) of a config. */
function getPath(config: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
}

function setPath(config: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = config;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    at[k] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...next } : {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}

/** The schema's fields (nested objects as `a.b`) that no flag sets: config-file only. */
function configOnlyFields(schema: z.ZodType, flags: readonly FlagSpec[]): string[] {
  const out: string[] = [];
  const walk = (type: z.ZodType, prefix: string) => {
    let t: z.ZodType = type;
    while (t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
    if (t instanceof z.ZodObject) {
      for (const [k, v] of Object.entries(t.shape)) walk(v as z.ZodType, prefix ? `${prefix}.${k}` : k);
    } else if (!flags.some((f) => f.key === prefix)) out.push(prefix);
  };
  walk(schema, '');
  return out;
}

/**
 * Adds a command's flags (as text, read by `readConfig`) and `--config`. Each flag's help names its
 * config-file key and its default, taken from the runner's own resolved config (so help cannot
 * drift from what runs); fields that only a config file can set are listed after the options.
 */
export function addConfigFlags(
  command: Command,
  flags: readonly FlagSpec[],
  schema: z.ZodType,
  resolve: Resolver,
): Command {
  const defaults = resolve({}) as Record<string, unknown>;
  command.option('--config <file>', 'a JSON or YAML file with any of the fields below (flags win)');
  for (const f of flags) {
    const value = getPath(defaults, f.key);
    const shown = f.defaultText ?? (value === undefined ? undefined : flagText(value));
    command.option(
      `--${f.flag} <value>`,
      `${f.help} (config: ${f.key}${shown === undefined ? '' : `; default: ${shown}`})`,
    );
  }
  const only = configOnlyFields(schema, flags).map((key) => {
    if (key === 'seed') return '  seed      the first seed (also --seed); default: 0';
    const value = getPath(defaults, key);
    return `  ${key.padEnd(9)} ${value === undefined ? '' : `default: ${flagText(value)}`}`;
  });
  if (only.length > 0)
    command.addHelpText('after', `\nConfig-file fields without a flag:\n${only.join('\n')}`);
  return command;
}

/** Reads a config file (JSON or YAML by extension, JSON also by content). */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--config: ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
}

function readFlag(spec: FlagSpec, text: string): unknown {
  const list = () =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  const number = (s: string) => {
    const v = Number(s);
    if (s === '' || !Number.isFinite(v))
      throw new UsageError(`--${spec.flag} must be a number, got ${JSON.stringify(s)}`);
    return v;
  };
  switch (spec.kind) {
    case 'int':
    case 'number':
      return number(text);
    case 'ints':
    case 'numbers':
      return list().map(number);
    case 'strings':
      return list();
    case 'string':
      return text;
    case 'bools':
      return list().map((s) => {
        if (s !== 'true' && s !== 'false')
          throw new UsageError(`--${spec.flag} must be a list of true/false, got ${JSON.stringify(s)}`);
        return s === 'true';
      });
    case 'scales':
      return list().map((s) => (s === 'inv-sqrt-depth' ? s : number(s)));
  }
}

/** Edit distance, for "did you mean" on config keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest known name, if it is close enough to be a typo. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let t: z.ZodType = schema;
  for (const k of path) {
    while (t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
    if (!(t instanceof z.ZodObject)) return [];
    t = t.shape[k as string] as z.ZodType;
  }
  while (t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
  return t instanceof z.ZodObject ? Object.keys(t.shape) : [];
}

/**
 * The config of a command: the `--config` file, then the flags on top, then `--seed`, validated
 * against the command's schema and then by the runner's own resolver (so a value the library
 * refuses, such as heads that do not divide the width, is a usage error before any work starts).
 * Every message names the field, its flag, what is allowed and what was given.
 */
export function readConfig<T>(
  name: string,
  schema: z.ZodType<T>,
  flags: readonly FlagSpec[],
  options: Record<string, unknown>,
  seed: number | undefined,
  resolve?: Resolver,
): T {
  const fromFile = options.config === undefined ? {} : readConfigFile(String(options.config));
  if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
    throw new UsageError(`--config: the file must hold an object of ${name} config fields`);
  }
  const merged: Record<string, unknown> = { ...(fromFile as Record<string, unknown>) };
  for (const f of flags) {
    const camel = f.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const text = options[camel];
    if (text !== undefined) setPath(merged, f.key, readFlag(f, String(text)));
  }
  if (seed !== undefined && schema instanceof z.ZodObject && 'seed' in schema.shape) merged.seed = seed;
  const flagOf = (key: string) => flags.find((f) => f.key === key)?.flag;
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeys(schema, issue.path);
        return issue.keys.map((key) => {
          const path = [...issue.path, key].join('.');
          const near = nearest(key, known);
          return `${path}: unknown field${near ? ` (did you mean ${near}?)` : ''}; known: ${known.join(', ')}`;
        });
      }
      const path = issue.path.join('.') || '(config)';
      const flag = flagOf(path) ?? flagOf(String(issue.path[0]));
      const given = getPath(merged, issue.path.map(String).join('.'));
      return [
        `${path}${flag ? ` (--${flag})` : ''}: ${issue.message}${given === undefined ? '' : `, got ${JSON.stringify(given)}`}`,
      ];
    });
    throw new UsageError(`invalid ${name} config:\n  - ${lines.join('\n  - ')}`);
  }
  if (resolve) {
    try {
      resolve(parsed.data);
    } catch (error) {
      if ((error as { code?: string }).code !== 'E_CONFIG') throw error;
      // The runner's messages are "  - <field> must be …": name the flag beside each field.
      const lines = (error as Error).message
        .split('\n')
        .filter((l) => l.startsWith('  - '))
        .map((l) => {
          const field = l.slice(4).split(' ')[0]!;
          const flag = flagOf(field);
          return flag ? `${field} (--${flag})${l.slice(4 + field.length)}` : l.slice(4);
        });
      throw new UsageError(`invalid ${name} config:\n  - ${lines.join('\n  - ')}`);
    }
  }
  return parsed.data;
}
