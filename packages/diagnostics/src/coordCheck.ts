/**
 * Coordinate checks (the check of Yang et al.'s μP, `coord_check` in microsoft/mup): how the size
 * of every module's activations, gradients and updates changes with the width, at initialization
 * and over a few training steps. Under a parameterization whose training dynamics have a width
 * limit, each line is flat in width; a line whose slope is positive blows up as models widen (the
 * standard parameterization's logits under Adam), a negative one vanishes.
 *
 * Sizes are root-mean-square coordinates: ‖v‖/√(entries). One row per (width, seed, step, module,
 * statistic): the tidy table; per (module, statistic, step) the summary adds the log-log slope over
 * widths and the spread max/min, one number each that a CI job can gate on.
 */
import {
  createTransformer,
  gradients,
  adam as makeAdam,
  sgd as makeSgd,
  makeTask,
  type NormPlacement,
  type Optimizer,
  type TransformerConfig,
} from '@trainlab/attention';
import {
  type ExperimentDefinition,
  type ExperimentResult,
  fixed,
  int,
  nonEmpty,
  num,
  oneOf,
  type RunOptions,
  resolveConfig,
  runExperiment,
  seedField,
} from '@trainlab/runner';
import { type Tensor, tf } from '@trainlab/tensor';
import { z } from 'zod';
import { logScale, titled } from './_figures';
import { largestCell } from './_memory';
import { finiteOrNull, groupBy, meanStd, seedList, VEGA_LITE_SCHEMA } from './runner';
import { headsDivideWidths, normSchema, scaleSchema } from './settings';

const coordSchema = z
  .strictObject({
    widths: nonEmpty(int(2, 4096))
      .default([32, 64, 128, 256])
      .describe('token widths d (the heads keep their count, so the head width grows too)'),
    depth: int(1, 64).default(2).describe('blocks L'),
    heads: int(1, 64).default(2).describe('attention heads (they must divide every width)'),
    norm: normSchema.default('pre').describe('LayerNorm placement'),
    scale: scaleSchema.default(1).describe('residual scale α: a number, or inv-sqrt-depth for 1/√L'),
    n: int(2, 512).default(16).describe('tokens per sequence'),
    batchSize: int(1, 1024).default(8).describe('sequences per step'),
    symbols: int(2, 256).default(16).describe('vocabulary of the copy task the steps train on'),
    steps: int(0, 100).default(4).describe('training steps after initialization (rows for steps 0…steps)'),
    optimizer: oneOf(['adam', 'sgd'] as const)
      .default('adam')
      .describe('optimizer of the steps'),
    lr: num(0, 100).default(0.01).describe('learning rate, the same at every width (no μP scaling)'),
    seeds: int(1, 1000).default(2).describe('seeds per width'),
    seed: seedField(),
  })
  .superRefine(headsDivideWidths);

/** Configuration of the coordinate check (`coord-check`). */
export type CoordCheckConfig = z.input<typeof coordSchema>;
type Resolved = z.output<typeof coordSchema>;

/** What a row measures. */
export type CoordStatistic = 'activation' | 'gradient' | 'update';

/** One row of the coordinate check (tidy: one number each). */
export interface CoordCheckRow {
  width: number;
  seed: number;
  /** 0 = at initialization; t = after t optimizer steps. Updates at step t are the t-th step's. */
  step: number;
  /**
   * Activations: `attn` and `mlp` (the branches' outputs), `block` (a block's output), each the
   * mean over blocks, and `logits`. Gradients and updates: the parameter groups `q`, `k`, `v`, `o`,
   * `mlp`, `embed`, `head` (root mean square over the group's entries in every block).
   */
  module: string;
  statistic: CoordStatistic;
  /** Root-mean-square coordinate. */
  value: number;
}

/** One summary row: the mean over seeds at one width, with the line's slope and spread over widths. */
export interface CoordCheckSummary {
  module: string;
  statistic: CoordStatistic;
  step: number;
  width: number;
  value: number;
  valueSe: number;
  /** Least-squares slope of log(value) against log(width) over the widths: value ∝ width^slope. */
  slope: number;
  /** Largest over smallest value across the widths (1 = flat). */
  spread: number;
}

/** Least-squares slope of log y against log x (NaN with fewer than two usable points). */
export function logLogSlope(x: readonly number[], y: readonly number[]): number {
  const pts = x
    .map((xi, i) => [Math.log(xi), Math.log(y[i]!)] as const)
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (pts.length < 2) return Number.NaN;
  const mx = pts.reduce((s, [a]) => s + a, 0) / pts.length;
  const my = pts.reduce((s, [, b]) => s + b, 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [a, b] of pts) {
    sxy += (a - mx) * (b - my);
    sxx += (a - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}

const rms = (t: Tensor): number => tf.tidy(() => Math.sqrt(tf.mean(tf.square(t)).dataSync()[0]!));

function model(c: Resolved, width: number): TransformerConfig {
  return {
    dModel: width,
    depth: c.depth,
    heads: c.heads,
    norm: c.norm as NormPlacement,
    residualScale: c.scale,
    vocabSize: c.symbols,
    outputs: c.symbols,
    positional: 'learned',
    maxLength: c.n,
  };
}

/** One width, one seed: activations at steps 0…steps, gradients and updates of steps 1…steps. */
function measure(c: Resolved, width: number, seed: number): CoordCheckRow[] {
  const task = makeTask('copy', {
    length: c.n,
    symbols: c.symbols,
    trainSize: 10 * c.batchSize,
    validationSize: 10,
    seed: 0,
  });
  const m = createTransformer(model(c, width), { seed });
  const opt: Optimizer =
    c.optimizer === 'adam' ? makeAdam({ betas: [0.9, 0.999], eps: 1e-8 }) : makeSgd({ momentum: 0.9 });
  const slots = new Map<string, Record<string, Tensor>>();
  const rows: CoordCheckRow[] = [];
  const push = (step: number, module: string, statistic: CoordStatistic, value: number) =>
    rows.push({ width, seed, step, module, statistic, value });
  const x = tf.tensor2d(task.train.inputs.slice(0, c.batchSize), undefined, 'int32');
  const targets = tf.tensor2d(task.train.targets.slice(0, c.batchSize), undefined, 'int32');
  try {
    for (let step = 0; ; step++) {
      const r = m.forward(x, { taps: { include: ['attn', 'mlp', 'output'] } });
      for (const tap of ['attn', 'mlp', 'output'] as const) {
        const values = r.taps
          .map((t) => t[tap])
          .filter((t): t is Tensor => t !== undefined)
          .map(rms);
        if (values.length > 0)
          push(
            step,
            tap === 'output' ? 'block' : tap,
            'activation',
            values.reduce((a, b) => a + b, 0) / values.length,
          );
      }
      push(step, 'logits', 'activation', rms(r.output));
      r.dispose();
      if (step === c.steps) break;
      const g = gradients(m, x, { kind: 'cross-entropy', targets });
      try {
        const sums = new Map<string, { grad: number; update: number; count: number }>();
        for (const p of m.parameters) {
          const grad = g.grads[p.name]!;
          const { delta, slots: next } = opt.step(grad, slots.get(p.name) ?? {}, c.lr, step + 1);
          const size = grad.size;
          const gs = tf.tidy(() => tf.sum(tf.square(grad)).dataSync()[0]!);
          const us = tf.tidy(() => tf.sum(tf.square(delta)).dataSync()[0]!);
          const s = sums.get(p.group) ?? { grad: 0, update: 0, count: 0 };
          sums.set(p.group, { grad: s.grad + gs, update: s.update + us, count: s.count + size });
          const updated = tf.add(p.variable, delta);
          p.variable.assign(updated);
          updated.dispose();
          delta.dispose();
          tf.dispose(Object.values(slots.get(p.name) ?? {}));
          slots.set(p.name, next);
        }
        for (const [group, s] of sums) {
          if (group === 'ln') continue;
          push(step + 1, group, 'gradient', Math.sqrt(s.grad / s.count));
          push(step + 1, group, 'update', Math.sqrt(s.update / s.count));
        }
      } finally {
        g.dispose();
      }
    }
  } finally {
    for (const s of slots.values()) tf.dispose(Object.values(s));
    tf.dispose([x, targets]);
    m.dispose();
  }
  return rows;
}

/** The coordinate check (`coord-check`): activation, gradient and update sizes per module across widths. */
export const coordCheckDefinition: ExperimentDefinition<
  typeof coordSchema,
  CoordCheckRow,
  CoordCheckSummary
> = {
  id: 'coord-check',
  version: 1,
  owner: '@trainlab/diagnostics',
  engine: 'tfjs',
  title:
    'coordinate check: activation, gradient and update sizes per module across widths, over the first steps',
  example: '--widths 32,64,128,256 --steps 4 --optimizer adam',
  schema: coordSchema,
  memory: (c) =>
    largestCell(
      c.widths.map((w) => ({
        config: model(c, w),
        tokens: c.n,
        batch: c.batchSize,
        optimizerSlots: c.optimizer === 'adam' ? 2 : 1,
        label: `width ${w}`,
      })),
      'train',
    ),
  sizeFields: ['widths', 'batchSize', 'n'],
  cells: (c) =>
    c.widths.flatMap((width) =>
      seedList(c.seed, c.seeds).map((seed) => ({
        key: `width ${width} · seed ${seed}`,
        run: (): CoordCheckRow[] => measure(c, width, seed),
      })),
    ),
  summarize: (rows) => {
    const lines = groupBy(rows, (r) => `${r.statistic}|${r.module}|${r.step}`);
    return [...lines.values()].flatMap((line) => {
      const byWidth = [...groupBy(line, (r) => String(r.width)).values()]
        .map((g) => ({ width: g[0]!.width, ...meanStd(g.map((r) => r.value)) }))
        .sort((a, b) => a.width - b.width);
      const slope = logLogSlope(
        byWidth.map((w) => w.width),
        byWidth.map((w) => w.mean),
      );
      const values = byWidth.map((w) => w.mean).filter((v) => v > 0);
      const spread = values.length > 0 ? Math.max(...values) / Math.min(...values) : Number.NaN;
      const first = line[0]!;
      return byWidth.map((w) => ({
        module: first.module,
        statistic: first.statistic,
        step: first.step,
        width: w.width,
        value: w.mean,
        valueSe: w.se,
        slope,
        spread,
      }));
    });
  },
  figure: (summary, c) => ({
    $schema: VEGA_LITE_SCHEMA,
    title: titled(
      'Coordinate check: root-mean-square coordinate per module against width',
      `${c.depth} ${c.norm}-LN blocks, ${c.heads} heads, n = ${c.n}, batch ${c.batchSize}, ${c.optimizer} at lr ${c.lr} (the same at every width), ${c.seeds} seeds; flat lines: width-independent`,
    ),
    data: {
      values: summary.map((r) => ({
        panel: `${r.statistic} · ${r.module}`,
        width: r.width,
        value: finiteOrNull(r.value),
        step: r.step,
      })),
    },
    facet: { field: 'panel', type: 'nominal', title: null },
    columns: 6,
    spec: {
      width: 150,
      height: 120,
      mark: { type: 'line', point: { size: 20 } },
      encoding: {
        x: {
          field: 'width',
          type: 'quantitative',
          scale: { type: 'log', base: 2 },
          axis: { title: 'width d', values: c.widths },
        },
        y: { field: 'value', type: 'quantitative', ...logScale(null, '.0e') },
        color: {
          field: 'step',
          type: 'ordinal',
          scale: { scheme: 'viridis' },
          legend: { title: 'step', orient: 'top', direction: 'horizontal' },
        },
      },
    },
    resolve: { scale: { y: 'independent' } },
  }),
  reproduce: {
    paper: 'μP',
    config: ({ quick, seed }) => (quick ? { seed, widths: [32, 64, 128], steps: 3 } : { seed }),
    finding: ({ summary: s, config }) => {
      const slopes = (statistic: CoordStatistic, step: number) => [
        ...new Map(
          s.filter((r) => r.statistic === statistic && r.step === step).map((r) => [r.module, r.slope]),
        ).entries(),
      ];
      const init = slopes('activation', 0);
      const late = slopes('activation', config.steps);
      const updates = slopes('update', config.steps);
      const list = (xs: [string, number][]) => xs.map(([m, v]) => `${m} ${fixed(v, 2)}`).join(', ');
      const worstInit = Math.max(...init.map(([, v]) => Math.abs(v)));
      const block = late.find(([m]) => m === 'block')?.[1] ?? Number.NaN;
      return {
        title: `Coordinate check over widths ${config.widths.join(', ')} (${config.optimizer}, lr ${config.lr}, ${config.steps} steps)`,
        reading:
          `Log-log slopes of the root-mean-square activation against width — at initialization: ${list(init)}; after ${config.steps} steps: ${list(late)}. ` +
          `Update sizes after ${config.steps} steps: ${list(updates)}. Flat at initialization (1/√fan_in init keeps every module O(1)); ` +
          `with one learning rate for every width the activations then grow like width^${fixed(block, 2)} (block outputs): the standard parameterization's instability that μP's per-layer scaling removes.`,
        claim:
          'In the standard parameterization activations are width-independent at initialization, but with a learning rate shared across widths they grow with width after a few Adam steps (Yang et al. 2021).',
        agrees: worstInit < 0.15 && block > 0.2,
      };
    },
  },
};

/** The coordinate check's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveCoordCheckConfig(config: CoordCheckConfig = {}): Resolved {
  return resolveConfig(coordCheckDefinition, config);
}

/** Runs the coordinate check (`coord-check`, see `coordCheckDefinition`). */
export function coordCheckExperiment(
  config: CoordCheckConfig = {},
  options: RunOptions<CoordCheckRow> = {},
): Promise<ExperimentResult<Resolved, CoordCheckRow, CoordCheckSummary>> {
  return runExperiment(coordCheckDefinition, config, options);
}
