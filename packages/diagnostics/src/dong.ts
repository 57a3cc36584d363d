/**
 * Experiment 5 (Dong, Cordonnier & Loukas 2021): the relative residual of a pure attention stack
 * per layer, against stacks with skips, MLPs or LayerNorm.
 */
import { createTransformer, type TransformerConfig } from '@trainlab/attention';
import { Rng } from '@trainlab/tensor';
import { logScale, sideLegend, titled } from './_figures';
import { dongResidual } from './measures';
import {
  ConfigCheck,
  correlatedTokens,
  type ExperimentResult,
  finiteOrNull,
  groupBy,
  MAX_SEED,
  meanStd,
  type RunOptions,
  runCells,
  seedList,
  VEGA_LITE_SCHEMA,
} from './runner';

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

/** Configuration of `dongResidualExperiment`. */
export interface DongConfig {
  /** @defaultValue 12 */
  depth?: number;
  /** @defaultValue 32 */
  n?: number;
  /** @defaultValue 128 */
  dModel?: number;
  /** @defaultValue 4 */
  heads?: number;
  /** @defaultValue 3 */
  seeds?: number;
  /** The first seed. @defaultValue 0 */
  seed?: number;
  /** @defaultValue all of DONG_VARIANTS */
  variants?: DongVariant[];
}

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
  frobenius: number;
}

function dongModel(variant: DongVariant, c: Required<Omit<DongConfig, 'variants'>>): TransformerConfig {
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

/** Experiment 5's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveDongConfig(config: DongConfig = {}): Required<DongConfig> {
  const check = new ConfigCheck('dongResidual');
  check.keys(config, ['depth', 'n', 'dModel', 'heads', 'seeds', 'seed', 'variants']);
  const c = {
    depth: check.int('depth', config.depth, 1, 1024, 12),
    n: check.int('n', config.n, 2, 4096, 32),
    dModel: check.int('dModel', config.dModel, 1, 8192, 128),
    heads: check.heads(config.heads, typeof config.dModel === 'number' ? config.dModel : 128, 4),
    seeds: check.int('seeds', config.seeds, 1, 1000, 3),
    seed: check.int('seed', config.seed, 0, MAX_SEED, 0),
  };
  const variants = check.list<DongVariant>(
    'variants',
    config.variants,
    (v) => DONG_VARIANTS.includes(v as DongVariant),
    DONG_VARIANTS.join(' | '),
    [...DONG_VARIANTS],
  );
  check.done();
  return { ...c, variants };
}

/** Where the Dong figure's log axis draws residuals that are exactly 0. */
const DONG_FLOOR = 1e-12;

/**
 * Experiment 5 (Dong, Cordonnier & Loukas 2021): the relative residual ‖X − 1x̄ᵀ‖/‖X‖ after each
 * block of a pure attention stack, and with skips, MLPs or LayerNorm added.
 */
export async function dongResidualExperiment(
  config: DongConfig = {},
  options: RunOptions<DongRow> = {},
): Promise<ExperimentResult<Required<DongConfig>, DongRow, DongSummary>> {
  const { variants, ...c } = resolveDongConfig(config);
  const cells = variants.flatMap((variant) =>
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
  );
  const { rows, failures } = await runCells('dongResidual', cells, options);
  const summary = [...groupBy(rows, (r) => `${r.variant}|${r.layer}`).values()].map((g) => {
    const m = meanStd(g.map((r) => r.composite));
    return {
      variant: g[0]!.variant,
      layer: g[0]!.layer,
      composite: m.mean,
      compositeStd: m.std,
      frobenius: meanStd(g.map((r) => r.frobenius)).mean,
    };
  });
  return {
    experiment: 'dongResidual',
    config: { ...c, variants },
    rows,
    summary,
    failures,
    figure: {
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
    },
  };
}
