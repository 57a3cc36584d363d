/**
 * Experiment 6: inputs at distance ε from full collapse: zero Q/K gradients at ε = 0, the ε² law near it.
 */
import { createTransformer, type NormPlacement, type TransformerConfig } from '@trainlab/attention';
import { Rng, tf } from '@trainlab/tensor';
import { logScale, sideLegend, titled } from './_figures';
import { layerGradients } from './gradients';
import {
  ConfigCheck,
  correlatedTokens,
  type ExperimentResult,
  finiteOrNull,
  groupBy,
  isNum,
  isOneOf,
  MAX_SEED,
  type RunOptions,
  runCells,
  seedList,
  VEGA_LITE_SCHEMA,
} from './runner';

// ---------------------------------------------------------------- 6. collapsed inputs

/** Configuration of `collapseExperiment`. */
export interface CollapseConfig {
  /** @defaultValue ['post', 'pre', 'none'] */
  norms?: NormPlacement[];
  /** Blocks with and/or without an MLP. @defaultValue [false, true] */
  mlp?: boolean[];
  /** Distances from collapse: X = 1xᵀ + εE. @defaultValue [0, 1e-3, 1e-2, 1e-1, 1] */
  eps?: number[];
  /** @defaultValue 4 */
  depth?: number;
  /** @defaultValue 16 */
  n?: number;
  /** @defaultValue 64 */
  dModel?: number;
  /** @defaultValue 2 */
  seeds?: number;
  /** The first seed. @defaultValue 0 */
  seed?: number;
}

/** One measured row of `collapseExperiment`. */
export interface CollapseRow {
  norm: NormPlacement;
  mlp: boolean;
  eps: number;
  seed: number;
  layer: number;
  q: number;
  k: number;
  v: number;
}

/** One summary row of `collapseExperiment` (mean over seeds). */
export interface CollapseSummary {
  norm: NormPlacement;
  mlp: boolean;
  eps: number;
  /** Largest ‖∂W_Q‖/‖∂W_V‖ over layers and seeds. */
  maxQOverV: number;
  maxKOverV: number;
  /** Smallest ‖∂W_V‖ over layers and seeds. */
  minV: number;
}

/** Experiment 6's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveCollapseConfig(config: CollapseConfig = {}): Required<CollapseConfig> {
  const check = new ConfigCheck('collapse');
  check.keys(config, ['norms', 'mlp', 'eps', 'depth', 'n', 'dModel', 'seeds', 'seed']);
  const c = {
    norms: check.list<NormPlacement>(
      'norms',
      config.norms,
      isOneOf(['post', 'pre', 'none']),
      "'post' | 'pre' | 'none'",
      ['post', 'pre', 'none'],
    ),
    mlp: check.list<boolean>('mlp', config.mlp, (v) => typeof v === 'boolean', 'booleans', [false, true]),
    eps: check.list<number>(
      'eps',
      config.eps,
      isNum(0, 1e3),
      'numbers from 0 to 1000',
      [0, 1e-3, 1e-2, 1e-1, 1],
    ),
    depth: check.int('depth', config.depth, 1, 1024, 4),
    n: check.int('n', config.n, 2, 4096, 16),
    dModel: check.int('dModel', config.dModel, 1, 8192, 64),
    seeds: check.int('seeds', config.seeds, 1, 1000, 2),
    seed: check.int('seed', config.seed, 0, MAX_SEED, 0),
  };
  check.done();
  return c;
}

/**
 * Experiment 6: inputs at distance ε from full collapse (all tokens equal): the Q/K gradients are
 * exactly zero at ε = 0 and grow like ε², while the V gradients stay of order one.
 */
export async function collapseExperiment(
  config: CollapseConfig = {},
  options: RunOptions<CollapseRow> = {},
): Promise<ExperimentResult<Required<CollapseConfig>, CollapseRow, CollapseSummary>> {
  const c = resolveCollapseConfig(config);
  const cells = c.norms.flatMap((norm) =>
    c.mlp.flatMap((mlp) =>
      c.eps.flatMap((eps) =>
        seedList(c.seed, c.seeds).map((seed) => ({
          key: `${norm} · ${mlp ? 'MLP' : 'attention only'} · ε=${eps} · seed ${seed}`,
          run: (): CollapseRow[] => {
            const cfg: TransformerConfig = {
              dModel: c.dModel,
              depth: c.depth,
              heads: 2,
              norm,
              mlp,
              residualScale: norm === 'none' ? 0.5 : 1,
            };
            const model = createTransformer(cfg, { seed });
            const rng = new Rng(seed).fork('input');
            const x = tf.tidy(() => {
              const base = tf.tile(correlatedTokens(1, c.dModel, 0, 1, rng.fork('x')), [c.n, 1]);
              return tf.add(base, tf.mul(correlatedTokens(c.n, c.dModel, 0, 1, rng.fork('E')), eps));
            });
            const { layers } = layerGradients(model, x, { kind: 'probe', seed });
            x.dispose();
            model.dispose();
            return layers.map((l) => ({ norm, mlp, eps, seed, layer: l.layer, q: l.q, k: l.k, v: l.v }));
          },
        })),
      ),
    ),
  );
  const { rows, failures } = await runCells('collapse', cells, options);
  const summary = [...groupBy(rows, (r) => `${r.norm}|${r.mlp}|${r.eps}`).values()].map((g) => ({
    norm: g[0]!.norm,
    mlp: g[0]!.mlp,
    eps: g[0]!.eps,
    maxQOverV: Math.max(...g.map((r) => r.q / r.v)),
    maxKOverV: Math.max(...g.map((r) => r.k / r.v)),
    minV: Math.min(...g.map((r) => r.v)),
  }));
  return {
    experiment: 'collapse',
    config: c,
    rows,
    summary,
    failures,
    figure: {
      $schema: VEGA_LITE_SCHEMA,
      title: titled(
        'Query/value gradient ratio at distance ε from collapse',
        `inputs X = 1xᵀ + εE; ${c.depth} blocks, n = ${c.n}, d = ${c.dModel}; slope 2 on these axes is the ε² law`,
      ),
      data: {
        values: summary
          .filter((r) => r.eps > 0)
          .map((r) => ({
            ...r,
            variant: `${r.norm} · ${r.mlp ? 'MLP' : 'attention only'}`,
            maxQOverV: finiteOrNull(r.maxQOverV),
          })),
      },
      width: 620,
      height: 280,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'eps', type: 'quantitative', ...logScale('distance from collapse ε') },
        y: {
          field: 'maxQOverV',
          type: 'quantitative',
          ...logScale('max over layers of ‖∂W_Q‖/‖∂W_V‖', '.0e'),
        },
        color: { field: 'variant', type: 'nominal', legend: sideLegend('LayerNorm · block') },
      },
    },
  };
}
