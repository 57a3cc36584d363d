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
  type TaskName,
  type TransformerConfig,
} from '@trainlab/attention';
import { sideLegend, titled } from './_figures';
import { type ConfigCheck, finiteOrNull, groupBy, MAX_SEED, meanStd, VEGA_LITE_SCHEMA } from './runner';

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

export const BASE_KEYS = [
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

export type ResolvedBase = Required<TrainingBaseConfig>;

export function resolveBase(check: ConfigCheck, c: TrainingBaseConfig): ResolvedBase {
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

export function rowsOf(
  setting: string,
  seed: number,
  records: EvalRecord[],
  diverged: boolean,
): TrainingRow[] {
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

export function summarize(rows: TrainingRow[]): TrainingSummary[] {
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
export function curves(
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
