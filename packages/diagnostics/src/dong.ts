/**
 * Experiment 5 (Dong, Cordonnier & Loukas 2021): the relative residual of a pure attention stack
 * per layer, against stacks with skips, MLPs or LayerNorm.
 */
import { createTransformer, type TransformerConfig } from '@trainlab/attention';
import {
  type ExperimentDefinition,
  type ExperimentResult,
  fixed,
  int,
  nonEmpty,
  oneOf,
  type RunOptions,
  resolveConfig,
  runExperiment,
  sci,
  seedField,
} from '@trainlab/runner';
import { Rng } from '@trainlab/tensor';
import { z } from 'zod';
import { logScale, sideLegend, titled } from './_figures';
import { largestCell } from './_memory';
import { reproduceSize } from './_reproduce';
import { dongResidual } from './measures';
import { correlatedTokens, finiteOrNull, groupBy, meanStd, seedList, VEGA_LITE_SCHEMA } from './runner';
import { headsDivideWidth } from './settings';

// ---------------------------------------------------------------- 5. Dong et al.'s residual

/** The stacks compared in experiment 5. */
export const DONG_VARIANTS = [
  'attention',
  'attention + skip',
  'attention + MLP',
  'attention + skip + MLP',
  'attention + skip + LN',
] as const;
/** The architectures `dongResidualExperiment` compares. */
export type DongVariant = (typeof DONG_VARIANTS)[number];

const dongSchema = z
  .strictObject({
    depth: int(1, 1024).default(12).describe('blocks L'),
    n: int(2, 4096).default(32).describe('tokens per sequence'),
    dModel: int(1, 8192).default(128).describe('token width d'),
    heads: int(1, 256).default(4).describe('attention heads (they must divide dModel)'),
    seeds: int(1, 1000).default(3).describe('seeds per variant'),
    seed: seedField(),
    variants: nonEmpty(oneOf(DONG_VARIANTS))
      .default([...DONG_VARIANTS])
      .describe('the stacks to compare'),
  })
  .superRefine(headsDivideWidth);

/** Configuration of experiment 5 (`dong`). */
export type DongConfig = z.input<typeof dongSchema>;
type Resolved = z.output<typeof dongSchema>;

/** One measured row of `dongResidualExperiment`. */
export interface DongRow {
  variant: DongVariant;
  seed: number;
  layer: number;
  /** ‖res(X)‖_{1,∞} / ‖X‖_{1,∞}. */
  composite: number;
  /** ‖res(X)‖_F / ‖X‖_F. */
  frobenius: number;
}

/** One summary row of `dongResidualExperiment` (mean over seeds). */
export interface DongSummary {
  variant: DongVariant;
  layer: number;
  composite: number;
  compositeStd: number;
  /** Standard error of the mean over seeds. */
  compositeSe: number;
  frobenius: number;
}

function dongModel(variant: DongVariant, c: Resolved): TransformerConfig {
  const base = { dModel: c.dModel, depth: c.depth, heads: c.heads };
  switch (variant) {
    case 'attention':
      return { ...base, norm: 'none', mlp: false, residual: false };
    case 'attention + skip':
      return { ...base, norm: 'none', mlp: false };
    case 'attention + MLP':
      return { ...base, norm: 'none', residual: false };
    case 'attention + skip + MLP':
      return { ...base, norm: 'none' };
    case 'attention + skip + LN':
      return { ...base, norm: 'post', mlp: false };
  }
}

/** Where the Dong figure's log axis draws residuals that are exactly 0. */
const DONG_FLOOR = 1e-12;

/**
 * Experiment 5 (`dong`; Dong, Cordonnier & Loukas 2021): the relative residual ‖X − 1x̄ᵀ‖/‖X‖
 * after each block of a pure attention stack, and with skips, MLPs or LayerNorm added.
 */
export const dongDefinition: ExperimentDefinition<typeof dongSchema, DongRow, DongSummary> = {
  id: 'dong',
  version: 1,
  owner: '@trainlab/diagnostics',
  engine: 'tfjs',
  title: "pure attention vs skips, MLPs and LN: Dong et al.'s residual per layer (experiment 5)",
  example: '--depth 12',
  schema: dongSchema,
  memory: (c) =>
    largestCell(
      c.variants.map((variant) => ({ config: dongModel(variant, c), tokens: c.n, label: variant })),
      'forward',
    ),
  sizeFields: ['depth', 'dModel', 'n'],
  cells: (c) =>
    c.variants.flatMap((variant) =>
      seedList(c.seed, c.seeds).map((seed) => ({
        key: `${variant} · seed ${seed}`,
        run: (): DongRow[] => {
          const model = createTransformer(dongModel(variant, c), { seed });
          const x = correlatedTokens(c.n, c.dModel, 0, 1, new Rng(seed).fork('input'));
          const r = model.forward(x, { taps: { include: ['output'] } });
          const rows = [x, ...r.taps.map((t) => t.output!)].map((t, layer) => ({
            variant,
            seed,
            layer,
            ...dongResidual(t),
          }));
          r.dispose();
          x.dispose();
          model.dispose();
          return rows;
        },
      })),
    ),
  summarize: (rows) =>
    [...groupBy(rows, (r) => `${r.variant}|${r.layer}`).values()].map((g) => {
      const m = meanStd(g.map((r) => r.composite));
      return {
        variant: g[0]!.variant,
        layer: g[0]!.layer,
        composite: m.mean,
        compositeStd: m.std,
        compositeSe: m.se,
        frobenius: meanStd(g.map((r) => r.frobenius)).mean,
      };
    }),
  figure: (summary, c) => ({
    $schema: VEGA_LITE_SCHEMA,
    title: titled("Dong et al.'s relative residual ‖X − 1x̄ᵀ‖₁,∞ / ‖X‖₁,∞ per layer", [
      `n = ${c.n}, d = ${c.dModel}, ${c.seeds} seed${c.seeds > 1 ? 's' : ''}; pure attention loses rank doubly exponentially, skips keep it`,
      `exact zeros (all tokens equal in float32) are drawn as ▼ at ${DONG_FLOOR}`,
    ]),
    data: {
      values: summary.map((r) => ({
        ...r,
        // A log axis has no 0: exact zeros sit on the floor, marked as what they are.
        residual: finiteOrNull(Math.max(r.composite, DONG_FLOOR)),
        kind: r.composite === 0 ? '0 (exact in float32)' : 'measured',
      })),
    },
    width: 620,
    height: 260,
    encoding: {
      x: {
        field: 'layer',
        type: 'quantitative',
        title: 'layer (0 = input)',
        axis: { format: 'd', tickMinStep: 1 },
      },
      y: { field: 'residual', type: 'quantitative', ...logScale('relative residual', '.0e') },
      color: { field: 'variant', type: 'nominal', legend: sideLegend('model') },
    },
    layer: [
      { mark: { type: 'line' } },
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          shape: {
            field: 'kind',
            type: 'nominal',
            scale: { domain: ['measured', '0 (exact in float32)'], range: ['circle', 'triangle-down'] },
            legend: sideLegend(null),
          },
        },
      },
    ],
  }),
  reproduce: {
    paper: 'rank collapse',
    config: ({ quick, seed }) => {
      const size = reproduceSize(quick);
      return { seed, depth: quick ? 8 : 12, n: size.n, dModel: size.dModel, seeds: size.seeds };
    },
    finding: ({ summary: s, config }) => {
      const at = (variant: string) =>
        s.find((r) => r.variant === variant && r.layer === config.depth)!.composite;
      return {
        title: 'Pure attention against skips, MLPs and LayerNorm: relative residual ‖X − 1x̄ᵀ‖ per layer',
        reading:
          `After ${config.depth} layers the relative residual is ${sci(at('attention'))} for pure attention and ${sci(at('attention + MLP'))} with MLPs, ` +
          `but ${fixed(at('attention + skip'))} with skip connections and ${fixed(at('attention + skip + LN'))} with skips and LayerNorm.`,
        claim:
          'Pure attention loses rank doubly exponentially with depth; skip connections prevent it, MLPs alone do not (Dong et al. 2021).',
        agrees: at('attention') < 1e-3 && at('attention + skip') > 0.05,
      };
    },
  },
};

/** Experiment 5's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveDongConfig(config: DongConfig = {}): Resolved {
  return resolveConfig(dongDefinition, config);
}

/** Runs experiment 5 (`dong`, see `dongDefinition`). */
export function dongResidualExperiment(
  config: DongConfig = {},
  options: RunOptions<DongRow> = {},
): Promise<ExperimentResult<Resolved, DongRow, DongSummary>> {
  return runExperiment(dongDefinition, config, options);
}
