/**
 * Experiment 8 (`kernel`): the infinite-width kernel of the tokens, layer by layer, against finite
 * widths. With uniform attention the theory of `predictPropagation` is exact as the width grows
 * (it is the NNGP recursion of neural-tangents' `GlobalSelfAttention` in its closed-form regime,
 * with residual branches, LayerNorm and the MLP): the n × n token covariance after block ℓ tends to
 * K_ℓ = (q_ℓ − p_ℓ) I + p_ℓ 11ᵀ. At width d the measured covariance fluctuates around it by
 * O(1/√d) (a mean over d features); this experiment measures that approach.
 */
import { createTransformer, type NormPlacement, type TransformerConfig } from '@trainlab/attention';
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
import { Rng, type Tensor, tf } from '@trainlab/tensor';
import { z } from 'zod';
import { bottomLegend, logScale, titled } from './_figures';
import { largestCell } from './_memory';
import { logLogSlope } from './coordCheck';
import { correlatedTokens, finiteOrNull, groupBy, meanStd, seedList, VEGA_LITE_SCHEMA } from './runner';
import { headsDivideWidths, normSchema, scaleSchema } from './settings';
import { predictPropagation } from './theory';

const kernelSchema = z
  .strictObject({
    widths: nonEmpty(int(2, 8192)).default([16, 32, 64, 128, 256, 512]).describe('token widths d'),
    norms: nonEmpty(normSchema).default(['post', 'pre']).describe('LayerNorm placements'),
    attention: nonEmpty(oneOf(['uniform', 'identity'] as const))
      .default(['uniform', 'identity'])
      .describe(
        'the attention maps of the closed-form regimes: uniform (1/n) or identity (each token itself)',
      ),
    depth: int(1, 256).default(6).describe('blocks L'),
    n: int(2, 1024).default(8).describe('tokens per sequence'),
    heads: int(1, 64).default(1).describe('attention heads (they must divide every width)'),
    scale: scaleSchema.default(1).describe('residual scale α: a number, or inv-sqrt-depth for 1/√L'),
    mlp: z.boolean().default(true).describe('blocks with an MLP (ReLU, hidden 4d)'),
    rho0: num(0, 0.999).default(0.2).describe('correlation of the input tokens'),
    seeds: int(2, 1000).default(12).describe('seeds per width (the error is a root mean square over them)'),
    seed: seedField(),
  })
  .superRefine(headsDivideWidths);

/** Configuration of experiment 8 (`kernel`). */
export type KernelConfig = z.input<typeof kernelSchema>;
type Resolved = z.output<typeof kernelSchema>;

/** Attention maps with a closed-form kernel. */
export type KernelAttention = 'uniform' | 'identity';

/** One row: one model (attention, norm, width, seed), one layer (0 = the input, ℓ = after block ℓ). */
export interface KernelRow {
  attention: KernelAttention;
  norm: NormPlacement;
  width: number;
  seed: number;
  layer: number;
  /** Measured mean ‖x_i‖²/d and mean ⟨x_i, x_j⟩/d (i ≠ j). */
  q: number;
  p: number;
  /** The infinite-width kernel's q_ℓ and p_ℓ = ρ_ℓ q_ℓ. */
  qTheory: number;
  pTheory: number;
  /** ‖K̂ − K_∞‖_F / ‖K_∞‖_F over the n × n token covariance. */
  error: number;
}

/** One summary row per (norm, width, layer). */
export interface KernelSummary {
  attention: KernelAttention;
  norm: NormPlacement;
  width: number;
  layer: number;
  /** Mean over seeds of the measured correlation p/q, and the infinite-width one. */
  rho: number;
  rhoSe: number;
  rhoTheory: number;
  /** Root mean square over seeds of the relative kernel error. */
  error: number;
  /** Slope of log(error) against log(width) at this layer and norm (−1/2: the 1/√d approach). */
  slope: number;
}

function model(
  c: Resolved,
  attention: KernelAttention,
  norm: NormPlacement,
  width: number,
): TransformerConfig {
  return {
    dModel: width,
    depth: c.depth,
    heads: c.heads,
    norm,
    mlp: c.mlp,
    residualScale: c.scale,
    attention,
  };
}

function measure(
  c: Resolved,
  attention: KernelAttention,
  norm: NormPlacement,
  width: number,
  seed: number,
): KernelRow[] {
  const cfg = model(c, attention, norm, width);
  // The taps are the blocks' outputs, before Pre-LN's final LayerNorm: the theory of those.
  const theory = predictPropagation({ ...cfg, finalNorm: false }, { n: c.n, rho0: c.rho0 });
  const m = createTransformer(cfg, { seed });
  const x = correlatedTokens(c.n, width, c.rho0, 1, new Rng(seed).fork('input'));
  const r = m.forward(x, { taps: { include: ['output'] } });
  try {
    const layers: Tensor[] = [x, ...r.taps.map((t) => t.output!)];
    return layers.map((t, layer) => {
      const gram = tf.tidy(() => tf.div(tf.matMul(t, t, false, true), width).dataSync() as Float32Array);
      const { q: qT, rho } = theory[layer]!;
      const pT = rho * qT;
      let q = 0;
      let p = 0;
      let diff = 0;
      let norm2 = 0;
      for (let i = 0; i < c.n; i++) {
        for (let j = 0; j < c.n; j++) {
          const g = gram[i * c.n + j]!;
          const k = i === j ? qT : pT;
          if (i === j) q += g;
          else p += g;
          diff += (g - k) ** 2;
          norm2 += k * k;
        }
      }
      return {
        attention,
        norm,
        width,
        seed,
        layer,
        q: q / c.n,
        p: p / (c.n * (c.n - 1)),
        qTheory: qT,
        pTheory: pT,
        error: Math.sqrt(diff / norm2),
      };
    });
  } finally {
    r.dispose();
    x.dispose();
    m.dispose();
  }
}

/** Experiment 8 (`kernel`): finite-width token covariances against the infinite-width kernel. */
export const kernelDefinition: ExperimentDefinition<typeof kernelSchema, KernelRow, KernelSummary> = {
  id: 'kernel',
  // 2: the attention regime (uniform, identity) is a sweep axis.
  version: 2,
  owner: '@trainlab/diagnostics',
  engine: 'tfjs',
  title:
    'infinite-width token kernel per layer (uniform and identity attention) against finite widths: the 1/√d approach (experiment 8)',
  example: '--widths 16,64,256,1024 --norms post,pre --depth 6',
  schema: kernelSchema,
  memory: (c) =>
    largestCell(
      c.attention.flatMap((attention) =>
        c.norms.flatMap((norm) =>
          c.widths.map((w) => ({
            config: model(c, attention, norm, w),
            tokens: c.n,
            label: `${attention} · ${norm} · width ${w}`,
          })),
        ),
      ),
      'forward',
    ),
  sizeFields: ['widths', 'depth', 'n'],
  cells: (c) =>
    c.attention.flatMap((attention) =>
      c.norms.flatMap((norm) =>
        c.widths.flatMap((width) =>
          seedList(c.seed, c.seeds).map((seed) => ({
            key: `${attention} · ${norm} · width ${width} · seed ${seed}`,
            run: (): KernelRow[] => measure(c, attention, norm, width, seed),
          })),
        ),
      ),
    ),
  summarize: (rows) => {
    const cells = [...groupBy(rows, (r) => `${r.attention}|${r.norm}|${r.width}|${r.layer}`).values()].map(
      (g) => {
        const first = g[0]!;
        const rho = meanStd(g.map((r) => r.p / r.q));
        return {
          attention: first.attention,
          norm: first.norm,
          width: first.width,
          layer: first.layer,
          rho: rho.mean,
          rhoSe: rho.se,
          rhoTheory: first.pTheory / first.qTheory,
          error: Math.sqrt(g.reduce((s, r) => s + r.error ** 2, 0) / g.length),
          slope: Number.NaN,
        };
      },
    );
    for (const line of groupBy(cells, (r) => `${r.attention}|${r.norm}|${r.layer}`).values()) {
      const sorted = [...line].sort((a, b) => a.width - b.width);
      const slope = logLogSlope(
        sorted.map((r) => r.width),
        sorted.map((r) => r.error),
      );
      for (const r of line) r.slope = slope;
    }
    return cells;
  },
  figure: (summary, c) => {
    const layers = [1, Math.ceil(c.depth / 2), c.depth].filter((v, i, a) => a.indexOf(v) === i);
    const points = summary
      .filter((r) => layers.includes(r.layer))
      .map((r) => ({
        attention: `${r.attention} attention`,
        series: `${r.norm}-LN · after block ${r.layer}`,
        width: r.width,
        error: finiteOrNull(r.error),
      }));
    // A reference line of slope −1/2 in each panel, through its first series' smallest width.
    const guides = c.attention.flatMap((kind) => {
      const anchor = points.find((p) => p.attention === `${kind} attention` && p.error !== null);
      return anchor
        ? c.widths.map((w) => ({
            attention: anchor.attention,
            width: w,
            guide: anchor.error! * Math.sqrt(anchor.width / w),
          }))
        : [];
    });
    const x = {
      field: 'width',
      type: 'quantitative',
      scale: { type: 'log', base: 2 },
      axis: { title: 'width d', values: c.widths },
    };
    // Each panel on its own data range (decade-rounded domains left half a panel empty).
    const yScale = { type: 'log', nice: false };
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: titled('Token covariance against the infinite-width kernel', [
        `RMS over ${c.seeds} seeds; dotted: slope −1/2`,
        `${c.depth} blocks, n = ${c.n}, α = ${c.scale}, ${c.mlp ? 'MLP' : 'no MLP'}, input correlation ${c.rho0}`,
      ]),
      data: { values: [...points, ...guides] },
      facet: { column: { field: 'attention', type: 'nominal', title: null } },
      resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
      spec: {
        width: 300,
        height: 230,
        layer: [
          {
            transform: [{ filter: 'isValid(datum.guide)' }],
            mark: { type: 'line', strokeDash: [2, 3], color: 'gray' },
            encoding: { x, y: { field: 'guide', type: 'quantitative', scale: yScale } },
          },
          {
            transform: [{ filter: 'isValid(datum.error)' }],
            mark: { type: 'line', point: { size: 30 } },
            encoding: {
              x,
              y: {
                field: 'error',
                type: 'quantitative',
                ...logScale('relative error ‖K̂ − K∞‖/‖K∞‖', '.0e'),
                scale: yScale,
              },
              color: { field: 'series', type: 'nominal', legend: bottomLegend(null, 3) },
            },
          },
        ],
      },
    };
  },
  reproduce: {
    paper: 'rank collapse',
    config: ({ quick, seed }) => (quick ? { seed, widths: [16, 64, 256] } : { seed }),
    finding: ({ summary: s, config }) => {
      const last = s.filter((r) => r.layer === config.depth);
      const slopes = [...new Map(last.map((r) => [`${r.attention} · ${r.norm}-LN`, r.slope])).entries()];
      const widest = Math.max(...config.widths);
      const atWidest = last.filter((r) => r.width === widest);
      return {
        title: `The infinite-width kernel of ${config.depth} blocks (uniform and identity attention) against widths ${config.widths.join(', ')}`,
        reading:
          `After ${config.depth} blocks the relative error of the token covariance against the infinite-width kernel falls like width^slope with slope ${slopes.map(([n, v]) => `${fixed(v, 2)} (${n})`).join(', ')}; ` +
          `at d = ${widest} it is ${atWidest.map((r) => `${fixed(r.error, 3)} (${r.attention} · ${r.norm}-LN: ρ = ${fixed(r.rho)} measured, ${fixed(r.rhoTheory)} in the limit)`).join(', ')}.`,
        claim:
          'With uniform or identity attention the signal-propagation theory is the infinite-width (NNGP) kernel of the stack: finite widths approach it at least as fast as 1/√d.',
        // Fluctuations of a mean over d features give slope −1/2; where the kernel is nearly rank one
        // (a collapsed Post-LN stack) they are small and the O(1/d) bias shows, slope down to −1.
        agrees:
          slopes.every(([, v]) => v < -0.35) && atWidest.every((r) => Math.abs(r.rho - r.rhoTheory) < 0.02),
      };
    },
  },
};

/** Experiment 8's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveKernelConfig(config: KernelConfig = {}): Resolved {
  return resolveConfig(kernelDefinition, config);
}

/** Runs experiment 8 (`kernel`, see `kernelDefinition`). */
export function kernelExperiment(
  config: KernelConfig = {},
  options: RunOptions<KernelRow> = {},
): Promise<ExperimentResult<Resolved, KernelRow, KernelSummary>> {
  return runExperiment(kernelDefinition, config, options);
}
