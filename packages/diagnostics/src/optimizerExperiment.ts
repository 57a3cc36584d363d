/**
 * Training experiment (b): SGD lags Adam because queries and keys get small gradients; SGD with
 * per-group learning rates that balance Q/K against V closes part of the gap.
 */
import {
  createTransformer,
  type NormPlacement,
  type ResidualScale,
  type Task,
  train,
} from '@trainlab/attention';
import { tf } from '@trainlab/tensor';
import { layerGradients } from './gradients';
import {
  ConfigCheck,
  type ExperimentResult,
  isNum,
  isOneOf,
  type RunOptions,
  runCells,
  seedList,
} from './runner';
import {
  BASE_KEYS,
  curves,
  modelConfig,
  type ResolvedBase,
  resolveBase,
  rowsOf,
  summarize,
  type TrainingBaseConfig,
  type TrainingRow,
  type TrainingSummary,
  taskOf,
} from './trainingBase';

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
