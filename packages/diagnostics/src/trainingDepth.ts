/**
 * Training experiment (a): deep Post-LN models train worse with α = 1 than with α = 1/√L (the loss
 * and the token cosine over training, at growing depth), trained with Adam.
 */
import { createTransformer, type NormPlacement, type ResidualScale, train } from '@trainlab/attention';
import {
  ConfigCheck,
  type ExperimentResult,
  isInt,
  isNum,
  type RunOptions,
  runCells,
  seedList,
} from './runner';
import { scaleLabel } from './settings';
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
      { field: 'lastCosine', title: 'last-block token cosine' },
    ),
  };
}
