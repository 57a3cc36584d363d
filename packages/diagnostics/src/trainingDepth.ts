/**
 * Training experiment (a): deep Post-LN models train worse with α = 1 than with α = 1/√L (the loss
 * and the token cosine over training, at growing depth), trained with Adam.
 */
import { createTransformer, train } from '@trainlab/attention';
import {
  type ExperimentDefinition,
  type ExperimentResult,
  fixed,
  int,
  nonEmpty,
  num,
  type RunOptions,
  resolveConfig,
  runExperiment,
} from '@trainlab/runner';
import { z } from 'zod';
import { largestCell } from './_memory';
import { reproduceTraining } from './_reproduce';
import { tokenCosine } from './measures';
import { seedList } from './runner';
import { hasScale, normSchema, rowBase, type ScaleKind, scaleLabel, scaleSchema } from './settings';
import {
  curves,
  modelConfig,
  rowsOf,
  summarize,
  type TrainingRow,
  type TrainingSummary,
  taskOf,
  taskSizes,
  trainingRules,
  trainingShape,
} from './trainingBase';

// ---------------------------------------------------------------- (a) depth and residual scaling

const trainingDepthSchema = z
  .strictObject({
    ...trainingShape,
    depths: nonEmpty(int(1, 256)).default([2, 8]).describe('depths L to train'),
    scales: nonEmpty(scaleSchema)
      .default([1, 'inv-sqrt-depth'])
      .describe('residual scales α: numbers, or inv-sqrt-depth for 1/√L'),
    norm: normSchema.default('post').describe('LayerNorm placement'),
    lr: num(0, 10).default(1e-3).describe("Adam's learning rate"),
  })
  .superRefine(trainingRules);

/** Configuration of training experiment (a) (`train`). */
export type TrainingDepthConfig = z.input<typeof trainingDepthSchema>;
type Resolved = z.output<typeof trainingDepthSchema>;

/** Which run a row of training experiment (a) belongs to: the depth and the residual scale. */
export interface DepthRun {
  depth: number;
  scaleKind: ScaleKind;
  /** α as run (1/√L evaluated at the depth). */
  residualScale: number;
}

const runOf = (r: DepthRun): DepthRun => ({
  depth: r.depth,
  scaleKind: r.scaleKind,
  residualScale: r.residualScale,
});
const label = (r: DepthRun) => `L=${r.depth} · ${scaleLabel(r)}`;

/** Training experiment (a) (`train`): Post-LN models at growing depth with α = 1 vs 1/√L, trained with Adam. */
export const trainingDepthDefinition: ExperimentDefinition<
  typeof trainingDepthSchema,
  TrainingRow<DepthRun>,
  TrainingSummary<DepthRun>
> = {
  id: 'train',
  // 2: the token cosine of the training records is diagnostics' float64 tokenCosine (was float32).
  version: 3,
  owner: '@trainlab/diagnostics',
  engine: 'tfjs',
  title: 'train Post-LN models at growing depth, α = 1 vs 1/√L: loss and token cosine over training',
  example: '--task reverse --depths 2,8 --steps 300 --seeds 3',
  schema: trainingDepthSchema,
  memory: (c) =>
    largestCell(
      c.depths.flatMap((depth) =>
        c.scales.map((scale) => ({
          config: modelConfig(c, taskSizes(c), depth, c.norm, scale),
          tokens: taskSizes(c).length,
          batch: c.batchSize,
          label: `${c.norm} · L=${depth}`,
        })),
      ),
      'train',
    ),
  sizeFields: ['depths', 'dModel', 'batchSize'],
  cells: (c) => {
    let made: ReturnType<typeof taskOf> | undefined;
    const task = () => (made ??= taskOf(c)); // built once, by the first cell that runs here
    return c.depths.flatMap((depth) =>
      c.scales.flatMap((scale) => {
        const { scaleKind, residualScale } = rowBase({ norm: c.norm, scale, mlp: true }, depth);
        const run: DepthRun = { depth, scaleKind, residualScale };
        return seedList(c.seed, c.seeds).map((seed) => ({
          key: `${label(run)} · seed ${seed}`,
          run: async (progress): Promise<TrainingRow<DepthRun>[]> => {
            const t = task();
            const model = createTransformer(modelConfig(c, t, depth, c.norm, scale), { seed });
            try {
              const r = await train(model, t, {
                steps: c.steps,
                batchSize: c.batchSize,
                evalEvery: c.evalEvery,
                lr: c.lr,
                warmup: Math.min(20, c.steps),
                tokenMeasure: tokenCosine,
                seed,
                onEval: (record) => progress?.(record.step, c.steps),
              });
              return rowsOf(run, seed, r.records, r.diverged);
            } finally {
              model.dispose();
            }
          },
        }));
      }),
    );
  },
  summarize: (rows) => summarize(rows, runOf),
  figure: (summary, c) =>
    curves(
      `Training ${c.norm}-LN models on '${c.task}' with Adam: depth and residual scaling (${c.seeds} seeds)`,
      summary,
      label,
      { field: 'lastCosine', title: 'last-block token cosine' },
    ),
  reproduce: {
    paper: 'rank collapse',
    // A few minutes of training on 2 cores: not in the quick report.
    config: ({ quick, seed }) =>
      quick ? null : { ...reproduceTraining(seed), depths: [6], scales: [1, 'inv-sqrt-depth'] },
    finding: ({ summary: s, config }) => {
      const deep = config.depths.at(-1)!;
      const curve = (scale: 1 | 'inv-sqrt-depth') => s.filter((r) => r.depth === deep && hasScale(r, scale));
      const reach = (scale: 1 | 'inv-sqrt-depth') =>
        curve(scale).find((r) => r.valAccuracy >= 0.95)?.step ?? Number.POSITIVE_INFINITY;
      const steps = (v: number) => (Number.isFinite(v) ? `step ${v}` : 'not within the budget');
      const [a, b] = [curve(1), curve('inv-sqrt-depth')];
      return {
        title: `Training a ${deep}-block Post-LN transformer on '${config.task}' with Adam: α = 1 vs 1/√L (${config.seeds} seeds)`,
        reading:
          `Early in training (step ${a[0]!.step}) the last block's token cosine is ${fixed(a[0]!.lastCosine)} with α = 1 and ${fixed(b[0]!.lastCosine)} with α = 1/√L; ` +
          `95% validation accuracy is reached at ${steps(reach(1))} with α = 1 and at ${steps(reach('inv-sqrt-depth'))} with α = 1/√L (final validation loss ${fixed(a.at(-1)!.valLoss)} vs ${fixed(b.at(-1)!.valLoss)}).`,
        claim:
          'Deep Post-LN transformers whose tokens start aligned train slowly; scaling the residual branches by 1/√L fixes it.',
        agrees: reach('inv-sqrt-depth') < reach(1),
      };
    },
  },
};

/** Training experiment (a)'s config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveTrainingDepthConfig(config: TrainingDepthConfig = {}): Resolved {
  return resolveConfig(trainingDepthDefinition, config);
}

/** Runs training experiment (a) (`train`, see `trainingDepthDefinition`). */
export function trainingDepthExperiment(
  config: TrainingDepthConfig = {},
  options: RunOptions<TrainingRow<DepthRun>> = {},
): Promise<ExperimentResult<Resolved, TrainingRow<DepthRun>, TrainingSummary<DepthRun>>> {
  return runExperiment(trainingDepthDefinition, config, options);
}
