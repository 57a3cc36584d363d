/**
 * The experiment commands of the CLI: each command's zod schema (what a config may hold, with
 * readable messages), its flags, which diagnostics runner it calls and that runner's resolver
 * (whose defaults `--help` shows). Reading flags and config files is in configFlags.ts.
 */
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
import { z } from 'zod';
import type { FlagSpec } from './configFlags';

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

export type { FlagSpec } from './configFlags';
export { addConfigFlags, nearest, readConfig, readConfigFile } from './configFlags';
