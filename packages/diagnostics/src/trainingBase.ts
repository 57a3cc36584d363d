/**
 * What the two training experiments share: the base config, the task and model they build, the rows
 * and summaries they write and their figure. The training claims of the rank-collapse paper at CPU scale: (a) deep Post-LN models train worse
 * with α = 1 than with α = 1/√L (the loss and the token cosine over training, at growing depth);
 * (b) SGD lags Adam because queries and keys get small gradients, and SGD with per-group learning
 * rates that balance Q/K against V closes part of the gap. Each cell is one training run (one
 * setting, one seed); several seeds give the spread.
 */
import {
  type EvalRecord,
  makeTask,
  type NormPlacement,
  type ResidualScale,
  TASK_NAMES,
  type Task,
  type TransformerConfig,
  taskShape,
} from '@trainlab/attention';
import { int, oneOf, seedField } from '@trainlab/runner';
import type { z } from 'zod';
import { sideLegend, titled } from './_figures';
import { finiteOrNull, groupBy, meanStd, VEGA_LITE_SCHEMA } from './runner';
import { headsDivideWidth } from './settings';

/** The fields both training experiments share (each adds its own model and optimizer fields). */
export const trainingShape = {
  task: oneOf(TASK_NAMES as ['copy', 'reverse', 'sort', 'translate'])
    .default('reverse')
    .describe('the task to learn'),
  length: int(2, 64).default(6).describe('sequence length (algorithmic tasks)'),
  symbols: int(2, 256).default(8).describe('symbols (algorithmic tasks)'),
  trainSize: int(10, 1_000_000).default(2000).describe('training examples'),
  validationSize: int(10, 1_000_000).default(300).describe('validation examples'),
  dModel: int(2, 4096).default(32).describe('token width d'),
  heads: int(1, 64).default(2).describe('attention heads (they must divide dModel)'),
  steps: int(1, 1_000_000).default(300).describe('training steps'),
  batchSize: int(1, 4096).default(32).describe('batch size'),
  evalEvery: int(1, 1_000_000).default(50).describe('evaluate every this many steps'),
  seeds: int(1, 1000).default(2).describe('seeds per setting (weights and batch order; the task is fixed)'),
  seed: seedField(),
};

type TrainingFields = z.output<z.ZodObject<typeof trainingShape>>;

/**
 * What a training config must also satisfy: heads divide the width, and an algorithmic task has
 * enough distinct sequences (symbols^length) for its training and validation sets.
 */
export function trainingRules(c: TrainingFields, ctx: z.RefinementCtx): void {
  headsDivideWidth(c, ctx);
  const wanted = c.trainSize + c.validationSize;
  if (c.task !== 'translate' && c.symbols ** c.length < wanted) {
    ctx.addIssue({
      code: 'custom',
      path: ['trainSize'],
      message: `with validationSize must fit the task's distinct sequences: symbols^length = ${c.symbols ** c.length} < ${wanted}`,
      input: c.trainSize,
    });
  }
}

/** A training config as the experiments use it (every default filled in). */
export type ResolvedBase = TrainingFields;

export function taskOf(b: ResolvedBase): Task {
  return makeTask(b.task, {
    length: b.length,
    symbols: b.symbols,
    trainSize: b.trainSize,
    validationSize: b.validationSize,
    seed: 0,
  });
}

export function modelConfig(
  b: ResolvedBase,
  task: Pick<Task, 'vocabSize' | 'outputs' | 'length'>,
  depth: number,
  norm: NormPlacement,
  scale: ResidualScale,
): TransformerConfig {
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

/** One row per evaluation step of one run: the run's own columns (`Run`), then the measurements. */
export type TrainingRow<Run = object> = Run & TrainingMeasures;

/** What a training row measures. */
export interface TrainingMeasures {
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

/** One summary row of the training experiments (mean over seeds), after the run's own columns. */
export type TrainingSummary<Run = object> = Run & TrainingSummaryMeasures;

/** What a training summary row holds. */
export interface TrainingSummaryMeasures {
  step: number;
  valLoss: number;
  valLossStd: number;
  /** Standard error of the mean validation loss over seeds. */
  valLossSe: number;
  valAccuracy: number;
  lastCosine: number;
  qUpdateOverV: number;
  /** Seeds whose run diverged before this step. */
  diverged: number;
}

/** The rows of one training run: `run`'s columns on every evaluation record. */
export function rowsOf<Run extends object>(
  run: Run,
  seed: number,
  records: EvalRecord[],
  diverged: boolean,
): TrainingRow<Run>[] {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return records.map((r) => ({
    ...run,
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

/** Means over seeds per run setting and step; `run` picks a row's own columns (e.g. depth and α). */
export function summarize<Run extends object>(
  rows: TrainingRow<Run>[],
  run: (row: TrainingRow<Run>) => Run,
): TrainingSummary<Run>[] {
  return [...groupBy(rows, (r) => `${JSON.stringify(run(r))}|${r.step}`).values()].map((g) => {
    const loss = meanStd(g.map((r) => r.valLoss));
    return {
      ...run(g[0]!),
      step: g[0]!.step,
      valLoss: loss.mean,
      valLossStd: loss.std,
      valLossSe: loss.se,
      valAccuracy: meanStd(g.map((r) => r.valAccuracy)).mean,
      lastCosine: meanStd(g.map((r) => r.lastCosine)).mean,
      qUpdateOverV: meanStd(g.map((r) => r.qUpdateOverV)).mean,
      diverged: g.filter((r) => r.diverged).length,
    };
  });
}

/** Validation loss (mean ± one standard deviation over seeds) and a second metric against the step, one color per setting. */
export function curves<Run extends object>(
  title: string,
  summary: TrainingSummary<Run>[],
  label: (row: Run) => string,
  second: { field: keyof TrainingSummaryMeasures; title: string },
): Record<string, unknown> {
  const values = summary.map((s) => ({
    setting: label(s),
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
        width: 360,
        height: 220,
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
        width: 360,
        height: 220,
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'second', type: 'quantitative', title: second.title }, color },
      },
    ],
  };
}

/** The sizes of the task of a training config, without making its data (for memory estimates). */
export function taskSizes(b: ResolvedBase): Pick<Task, 'vocabSize' | 'outputs' | 'length'> {
  return taskShape(b.task, { length: b.length, symbols: b.symbols });
}
