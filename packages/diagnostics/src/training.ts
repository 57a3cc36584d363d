/**
 * The training claims of the rank-collapse paper at CPU scale: (a) deep Post-LN models train worse
 * with α = 1 than with α = 1/√L (the loss and the token cosine over training, at growing depth);
 * (b) SGD lags Adam because queries and keys get small gradients, and SGD with per-group learning
 * rates that balance Q/K against V closes part of the gap. Each cell is one training run (one
 * setting, one seed); several seeds give the spread.
 */
import {
  createTransformer,
  type EvalRecord,
  makeTask,
  type NormPlacement,
  type ResidualScale,
  TASK_NAMES,
  type Task,
  type TaskName,
  type TransformerConfig,
  train,
} from '@trainlab/attention';
import { tf } from '@trainlab/tensor';
import { sideLegend, titled } from './_figures';
import { layerGradients } from './gradients';
import {
  ConfigCheck,
  type ExperimentResult,
  finiteOrNull,
  groupBy,
  isInt,
  isNum,
  isOneOf,
  MAX_SEED,
  meanStd,
  type RunOptions,
  runCells,
  seedList,
  VEGA_LITE_SCHEMA,
} from './runner';
import { scaleLabel } from './settings';

/** What both training experiments share. */
export interface TrainingBaseConfig {
  /** @defaultValue 'reverse' */
  task?: TaskName;
  /** Sequence length of the algorithmic tasks. @defaultValue 6 */
  length?: number;
  /** Symbols of the algorithmic tasks. @defaultValue 8 */
  symbols?: number;
  /** @defaultValue 2000 */
  trainSize?: number;
  /** @defaultValue 300 */
  validationSize?: number;
  /** @defaultValue 32 */
  dModel?: number;
  /** @defaultValue 2 */
  heads?: number;
  /** @defaultValue 300 */
  steps?: number;
  /** @defaultValue 32 */
  batchSize?: number;
  /** @defaultValue 50 */
  evalEvery?: number;
  /** @defaultValue 2 */
  seeds?: number;
  /** First seed (of the weights and the batch order; the task is fixed by seed 0). @defaultValue 0 */
  seed?: number;
}

const BASE_KEYS = [
  'task',
  'length',
  'symbols',
  'trainSize',
  'validationSize',
  'dModel',
  'heads',
  'steps',
  'batchSize',
  'evalEvery',
  'seeds',
  'seed',
] as const;

type ResolvedBase = Required<TrainingBaseConfig>;

function resolveBase(check: ConfigCheck, c: TrainingBaseConfig): ResolvedBase {
  return {
    task: check.oneOf<TaskName>('task', c.task, TASK_NAMES, 'reverse'),
    length: check.int('length', c.length, 2, 64, 6),
    symbols: check.int('symbols', c.symbols, 2, 256, 8),
    trainSize: check.int('trainSize', c.trainSize, 10, 1_000_000, 2000),
    validationSize: check.int('validationSize', c.validationSize, 10, 1_000_000, 300),
    dModel: check.int('dModel', c.dModel, 2, 4096, 32),
    heads: check.int('heads', c.heads, 1, 64, 2),
    steps: check.int('steps', c.steps, 1, 1_000_000, 300),
    batchSize: check.int('batchSize', c.batchSize, 1, 4096, 32),
    evalEvery: check.int('evalEvery', c.evalEvery, 1, 1_000_000, 50),
    seeds: check.int('seeds', c.seeds, 1, 1000, 2),
    seed: check.int('seed', c.seed, 0, MAX_SEED, 0),
  };
}

function taskOf(b: ResolvedBase): Task {
  return makeTask(b.task, {
    length: b.length,
    symbols: b.symbols,
    trainSize: b.trainSize,
    validationSize: b.validationSize,
    seed: 0,
  });
}

function modelConfig(
  b: ResolvedBase,
  task: Task,
  depth: number,
  norm: NormPlacement,
  scale: ResidualScale,
): TransformerConfig {
  if (b.dModel % b.heads !== 0)
    throw new Error(`dModel (${b.dModel}) must be a multiple of heads (${b.heads})`);
  return {
    dModel: b.dModel,
    depth,
    heads: b.heads,
    norm,
    residualScale: scale,
    mlp: { hidden: 2 * b.dModel },
    vocabSize: task.vocabSize,
    outputs: task.outputs,
    positional: 'learned',
    maxLength: task.length,
  };
}

/** One row per evaluation step of one run. */
export interface TrainingRow {
  setting: string;
  seed: number;
  step: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  /** Token cosine after the last block. */
  lastCosine: number;
  /** Mean over blocks of ‖∂W_Q‖/‖∂W_V‖ at this step. */
  qOverV: number;
  /** Mean over blocks of ‖ΔW_Q‖/‖ΔW_V‖ (update sizes) at this step. */
  qUpdateOverV: number;
  diverged: boolean;
}

/** One summary row of the training experiments (mean over seeds). */
export interface TrainingSummary {
  setting: string;
  step: number;
  valLoss: number;
  valLossStd: number;
  valAccuracy: number;
  lastCosine: number;
  qUpdateOverV: number;
  /** Seeds whose run diverged before this step. */
  diverged: number;
}

function rowsOf(setting: string, seed: number, records: EvalRecord[], diverged: boolean): TrainingRow[] {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return records.map((r) => ({
    setting,
    seed,
    step: r.step,
    trainLoss: r.trainLoss,
    valLoss: r.valLoss,
    valAccuracy: r.valAccuracy,
    lastCosine: r.layers.at(-1)?.cosine ?? Number.NaN,
    qOverV: mean(r.layers.map((l) => l.grad.q / l.grad.v)),
    qUpdateOverV: mean(r.layers.map((l) => l.update.q / l.update.v)),
    diverged,
  }));
}

function summarize(rows: TrainingRow[]): TrainingSummary[] {
  return [...groupBy(rows, (r) => `${r.setting}|${r.step}`).values()].map((g) => {
    const loss = meanStd(g.map((r) => r.valLoss));
    return {
      setting: g[0]!.setting,
      step: g[0]!.step,
      valLoss: loss.mean,
      valLossStd: loss.std,
      valAccuracy: meanStd(g.map((r) => r.valAccuracy)).mean,
      lastCosine: meanStd(g.map((r) => r.lastCosine)).mean,
      qUpdateOverV: meanStd(g.map((r) => r.qUpdateOverV)).mean,
      diverged: g.filter((r) => r.diverged).length,
    };
  });
}

/** Validation loss (mean ± one standard deviation over seeds) and a second metric against the step, one color per setting. */
function curves(
  title: string,
  summary: TrainingSummary[],
  second: { field: keyof TrainingSummary; title: string },
): Record<string, unknown> {
  const values = summary.map((s) => ({
    setting: s.setting,
    step: s.step,
    loss: finiteOrNull(s.valLoss),
    // A loss is ≥ 0: the ±sd band is cut at 0 rather than drawn below it.
    lo: finiteOrNull(Math.max(0, s.valLoss - s.valLossStd)),
    hi: finiteOrNull(s.valLoss + s.valLossStd),
    second: finiteOrNull(s[second.field] as number),
  }));
  const x = { field: 'step', type: 'quantitative', title: 'training step' };
  // The band is coloured through `fill` (its own scale, same colours in the same order) with no
  // legend, so the one legend shows the lines' colours, not the band's pale ones.
  const color = { field: 'setting', type: 'nominal', legend: sideLegend('setting', true) };
  const bandColor = { field: 'setting', type: 'nominal', legend: null };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: titled(title, 'mean over seeds; the band is ± one standard deviation'),
    data: { values },
    hconcat: [
      {
        width: 320,
        height: 230,
        layer: [
          {
            mark: { type: 'area', opacity: 0.15 },
            encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, fill: bandColor },
          },
          {
            mark: { type: 'line', point: true },
            encoding: {
              x,
              y: { field: 'loss', type: 'quantitative', title: 'validation loss', scale: { zero: true } },
              color,
            },
          },
        ],
      },
      {
        width: 320,
        height: 230,
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'second', type: 'quantitative', title: second.title }, color },
      },
    ],
  };
}

// ---------------------------------------------------------------- (a) depth and residual scaling

export interface TrainingDepthConfig extends TrainingBaseConfig {
  /** @defaultValue [2, 8] */
  depths?: number[];
  /** @defaultValue [1, 'inv-sqrt-depth'] */
  scales?: ResidualScale[];
  /** @defaultValue 'post' */
  norm?: NormPlacement;
  /** Adam's learning rate. @defaultValue 1e-3 */
  lr?: number;
}

/** Training experiment (a)'s config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveTrainingDepthConfig(
  config: TrainingDepthConfig = {},
): ResolvedBase & { depths: number[]; scales: ResidualScale[]; norm: NormPlacement; lr: number } {
  const check = new ConfigCheck('trainingDepth');
  check.keys(config, [...BASE_KEYS, 'depths', 'scales', 'norm', 'lr']);
  const b = resolveBase(check, config);
  const depths = check.list<number>('depths', config.depths, isInt(1, 256), 'integers from 1 to 256', [2, 8]);
  const scales = check.list<ResidualScale>(
    'scales',
    config.scales,
    (v) => v === 'inv-sqrt-depth' || isNum(0, 1e6)(v),
    "numbers ≥ 0 or 'inv-sqrt-depth'",
    [1, 'inv-sqrt-depth'],
  );
  const norm = check.oneOf<NormPlacement>('norm', config.norm, ['post', 'pre', 'none'], 'post');
  const lr = check.num('lr', config.lr, 0, 10, 1e-3);
  check.done();
  return { ...b, depths, scales, norm, lr };
}

/** Experiment (a): Post-LN models at growing depth with α = 1 vs 1/√L, trained with Adam; loss and token cosine over training. */
export async function trainingDepthExperiment(
  config: TrainingDepthConfig = {},
  options: RunOptions<TrainingRow> = {},
): Promise<
  ExperimentResult<
    ResolvedBase & { depths: number[]; scales: ResidualScale[]; norm: NormPlacement; lr: number },
    TrainingRow,
    TrainingSummary
  >
> {
  const { depths, scales, norm, lr, ...b } = resolveTrainingDepthConfig(config);
  const task = taskOf(b);
  const cells = depths.flatMap((depth) =>
    scales.flatMap((scale) => {
      const setting = `L=${depth} · ${scaleLabel(scale)}`;
      return seedList(b.seed, b.seeds).map((seed) => ({
        key: `${setting} · seed ${seed}`,
        run: async (): Promise<TrainingRow[]> => {
          const model = createTransformer(modelConfig(b, task, depth, norm, scale), { seed });
          const r = await train(model, task, {
            steps: b.steps,
            batchSize: b.batchSize,
            evalEvery: b.evalEvery,
            lr,
            warmup: Math.min(20, b.steps),
            seed,
          });
          model.dispose();
          return rowsOf(setting, seed, r.records, r.diverged);
        },
      }));
    }),
  );
  const { rows, failures } = await runCells('trainingDepth', cells, options);
  const summary = summarize(rows);
  return {
    experiment: 'trainingDepth',
    config: { ...b, depths, scales, norm, lr },
    rows,
    summary,
    failures,
    figure: curves(
      `Training ${norm}-LN models on '${b.task}' with Adam: depth and residual scaling (${b.seeds} seeds)`,
      summary,
      { field: 'lastCosine', title: 'token cosine after the last block' },
    ),
  };
}

// ---------------------------------------------------------------- (b) optimizers

/** Every optimizer `optimizerExperiment` accepts. */
export const TRAINING_OPTIMIZERS = ['adam', 'sgd', 'sgd-balanced'] as const;
/** The optimizers `optimizerExperiment` compares. */
export type TrainingOptimizer = (typeof TRAINING_OPTIMIZERS)[number];

export interface OptimizerConfig extends TrainingBaseConfig {
  /** @defaultValue 4 */
  depth?: number;
  /** @defaultValue 'post' */
  norm?: NormPlacement;
  /** @defaultValue 1 */
  scale?: ResidualScale;
  /** @defaultValue all of TRAINING_OPTIMIZERS */
  optimizers?: TrainingOptimizer[];
  /** @defaultValue 1e-3 */
  adamLr?: number;
  /** @defaultValue 0.1 */
  sgdLr?: number;
}

/**
 * The Q/K learning-rate multiplier of 'sgd-balanced': the median over blocks of ‖∂L/∂W_V‖/‖∂L/∂W_Q‖
 * on a training batch at initialization (clamped to [1, 1000]), so that one SGD step moves queries
 * and keys about as much as values.
 */
export function balancingFactor(
  model: ReturnType<typeof createTransformer>,
  task: Task,
  batchSize: number,
): number {
  const ids = task.train.inputs.slice(0, batchSize);
  const targets = task.train.targets.slice(0, batchSize);
  const x = tf.tensor2d(ids, undefined, 'int32');
  const { layers } = layerGradients(model, x, { kind: 'cross-entropy', targets });
  x.dispose();
  const ratios = layers.map((l) => l.v / Math.max(l.q, 1e-30)).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  return Math.min(1000, Math.max(1, median));
}

/** Training experiment (b)'s config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveOptimizerConfig(config: OptimizerConfig = {}): ResolvedBase & {
  depth: number;
  norm: NormPlacement;
  scale: ResidualScale;
  optimizers: TrainingOptimizer[];
  adamLr: number;
  sgdLr: number;
} {
  const check = new ConfigCheck('optimizers');
  check.keys(config, [...BASE_KEYS, 'depth', 'norm', 'scale', 'optimizers', 'adamLr', 'sgdLr']);
  const b = resolveBase(check, config);
  const depth = check.int('depth', config.depth, 1, 256, 4);
  const norm = check.oneOf<NormPlacement>('norm', config.norm, ['post', 'pre', 'none'], 'post');
  const scale = check.list<ResidualScale>(
    'scale',
    config.scale === undefined ? undefined : [config.scale],
    (v) => v === 'inv-sqrt-depth' || isNum(0, 1e6)(v),
    "a number ≥ 0 or 'inv-sqrt-depth'",
    [1],
  )[0]!;
  const optimizers = check.list<TrainingOptimizer>(
    'optimizers',
    config.optimizers,
    isOneOf(TRAINING_OPTIMIZERS),
    TRAINING_OPTIMIZERS.join(' | '),
    [...TRAINING_OPTIMIZERS],
  );
  const adamLr = check.num('adamLr', config.adamLr, 0, 10, 1e-3);
  const sgdLr = check.num('sgdLr', config.sgdLr, 0, 100, 0.1);
  check.done();
  return { ...b, depth, norm, scale, optimizers, adamLr, sgdLr };
}

/** Experiment (b): Adam vs SGD vs SGD with balanced Q/K learning rates, at equal steps. */
export async function optimizerExperiment(
  config: OptimizerConfig = {},
  options: RunOptions<TrainingRow> = {},
): Promise<
  ExperimentResult<
    ResolvedBase & {
      depth: number;
      norm: NormPlacement;
      scale: ResidualScale;
      optimizers: TrainingOptimizer[];
      adamLr: number;
      sgdLr: number;
    },
    TrainingRow,
    TrainingSummary
  >
> {
  const { depth, norm, scale, optimizers, adamLr, sgdLr, ...b } = resolveOptimizerConfig(config);
  const task = taskOf(b);
  const cells = optimizers.flatMap((optimizer) =>
    seedList(b.seed, b.seeds).map((seed) => ({
      key: `${optimizer} · seed ${seed}`,
      run: async (): Promise<TrainingRow[]> => {
        const model = createTransformer(modelConfig(b, task, depth, norm, scale), { seed });
        const factor = optimizer === 'sgd-balanced' ? balancingFactor(model, task, b.batchSize) : 1;
        const r = await train(model, task, {
          steps: b.steps,
          batchSize: b.batchSize,
          evalEvery: b.evalEvery,
          seed,
          warmup: Math.min(20, b.steps),
          clip: 1,
          ...(optimizer === 'adam'
            ? { optimizer: 'adam', lr: adamLr }
            : { optimizer: 'sgd', lr: sgdLr, momentum: 0.9 }),
          ...(factor !== 1 ? { groupLr: { q: factor, k: factor } } : {}),
        });
        model.dispose();
        return rowsOf(optimizer, seed, r.records, r.diverged);
      },
    })),
  );
  const { rows, failures } = await runCells('optimizers', cells, options);
  const summary = summarize(rows);
  return {
    experiment: 'optimizers',
    config: { ...b, depth, norm, scale, optimizers, adamLr, sgdLr },
    rows,
    summary,
    failures,
    figure: curves(
      `Adam vs SGD vs SGD with balanced Q/K rates: ${depth}-block ${norm}-LN on '${b.task}' (${b.seeds} seeds)`,
      summary,
      { field: 'valAccuracy', title: 'validation token accuracy' },
    ),
  };
}
