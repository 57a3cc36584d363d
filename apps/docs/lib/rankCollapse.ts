/**
 * The rank-collapse explorer's computation: one model at initialization, the token cosine after
 * every block (measured) next to the uniform-attention theory, and the Q/K/V/O gradient norms per
 * block. The page and the Node test call this same function, so the numbers on screen can be
 * checked against Node with the same seed.
 */
import { createTransformer, type NormPlacement, type TransformerConfig } from '@trainlab/attention';
import { correlatedTokens, layerGradients, predictPropagation, tokenCosine } from '@trainlab/diagnostics';
import { Rng, type Tensor } from '@trainlab/tensor';

/** How the residual branches are scaled. */
export type AlphaChoice = 'one' | 'inv-sqrt-depth' | 'free';

/** The explorer's controls. */
export interface ExplorerSettings {
  depth: number;
  alpha: AlphaChoice;
  /** α when `alpha` is `'free'`. */
  alphaValue: number;
  norm: NormPlacement;
  mlp: boolean;
  /** Softmax attention, or uniform attention (every token attends equally: the theory's model). */
  attention: 'softmax' | 'uniform';
  dModel: number;
  n: number;
  heads: number;
  /** Correlation of the input tokens. */
  rho0: number;
  /** Inverse temperature τ of the softmax. */
  tau: number;
  /** Init σ of W_Q and W_K (both): small gives near-uniform attention, large concentrated attention. */
  qkScale: number;
  /** Init σ of the MLP's W₁ (√2 is He init for ReLU; W₂ stays at 1). */
  mlp1: number;
  /** Causal mask (each token sees itself and the tokens before it; outside the theory). */
  causal: boolean;
  seed: number;
}

/** The settings the page opens with. */
export const DEFAULT_SETTINGS: ExplorerSettings = {
  depth: 12,
  alpha: 'one',
  alphaValue: 0.5,
  norm: 'post',
  mlp: false,
  attention: 'softmax',
  dModel: 64,
  n: 16,
  heads: 4,
  rho0: 0,
  tau: 1,
  qkScale: 1,
  mlp1: 1,
  causal: false,
  seed: 0,
};

/** One block's gradient norms. */
export interface LayerRow {
  layer: number;
  q: number;
  k: number;
  v: number;
  o: number;
}

/** What the explorer draws. */
export interface ExplorerResult {
  /** α actually used. */
  alpha: number;
  /** Mean pairwise token cosine at the input (index 0) and after every block. */
  cosine: number[];
  /** The theory's ρ at the same places (empty for causal masks: outside the theory). */
  theory: number[];
  /** Mean attention entropy H/ln n of each block (1 uniform, 0 one-hot; for a causal mask each row's own ln of its visible keys). */
  entropy: number[];
  /** Gradient norms of a random linear probe loss, per block. */
  gradients: LayerRow[];
}

/** The model configuration the settings describe. */
export function explorerConfig(s: ExplorerSettings): TransformerConfig {
  const residualScale =
    s.alpha === 'one' ? 1 : s.alpha === 'inv-sqrt-depth' ? 'inv-sqrt-depth' : s.alphaValue;
  return {
    dModel: s.dModel,
    depth: s.depth,
    heads: s.heads,
    norm: s.norm,
    mlp: s.mlp,
    attention: s.attention,
    residualScale,
    tau: s.tau,
    causal: s.causal,
    init: { q: s.qkScale, k: s.qkScale, mlp1: s.mlp1 },
  };
}

/**
 * Mean over heads and queries of a row's entropy over the ln of its visible keys (maps
 * `[heads, n, n]`; with a causal mask query i sees i + 1 keys, and the first row, one key, is left out).
 */
function attentionEntropy(maps: Tensor, causal: boolean): number {
  const [heads, n] = maps.shape as [number, number, number];
  const a = maps.dataSync();
  let total = 0;
  let rows = 0;
  for (let h = 0; h < heads; h++) {
    for (let i = causal ? 1 : 0; i < n; i++) {
      let e = 0;
      for (let j = 0; j < n; j++) {
        const v = a[(h * n + i) * n + j]!;
        if (v > 0) e -= v * Math.log(v);
      }
      total += e / Math.log(causal ? i + 1 : n);
      rows++;
    }
  }
  return rows > 0 ? total / rows : Number.NaN;
}

/** Builds the model, measures, predicts. Throws the packages' own errors for bad settings. */
export function runExplorer(s: ExplorerSettings): ExplorerResult {
  const config = explorerConfig(s);
  const model = createTransformer(config, { seed: s.seed });
  const x = correlatedTokens(s.n, s.dModel, s.rho0, 1, new Rng(s.seed).fork('input'));
  try {
    const r = model.forward(x, { taps: { include: ['output', 'maps'] } });
    const cosine = [tokenCosine(x), ...r.taps.map((t) => tokenCosine(t.output!))];
    const entropy = r.taps.map((t) => attentionEntropy(t.maps!, s.causal));
    r.dispose();
    const theory = s.causal ? [] : predictPropagation(config, { n: s.n, rho0: s.rho0 }).map((p) => p.rho);
    const gradients = layerGradients(model, x).layers.map(({ layer, q, k, v, o }) => ({ layer, q, k, v, o }));
    return { alpha: model.config.alphaAttn, cosine, theory, entropy, gradients };
  } finally {
    x.dispose();
    model.dispose();
  }
}
