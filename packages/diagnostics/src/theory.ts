/**
 * Predictions of the signal-propagation theory under the uniform-attention assumption
 * (S = 11ᵀ/n), in expectation over Gaussian weights at initialization. The derivations are in
 * `docs/theory.md`; the tests hold each one against Monte Carlo runs of the real model.
 *
 * State per layer: q = E‖x_i‖²/d (squared norm per feature) and p = E⟨x_i, x_j⟩/d (i ≠ j);
 * the correlation is ρ = p/q.
 */
import { type Activation, resolveConfig, type TransformerConfig } from '@trainlab/attention';
import { DiagnosticsError } from './errors';

/**
 * The normalized arc-cosine kernel of order 1 (Cho & Saul 2009):
 * f(ρ) = (√(1 − ρ²) + ρ(π − arccos ρ))/π, with f(1) = 1 and f(ρ) > ρ for ρ < 1.
 * For (u, v) Gaussian with variance s² and correlation ρ, E[relu(u)·relu(v)] = s²·f(ρ)/2.
 */
export function arcCosine(rho: number): number {
  const r = Math.min(1, Math.max(-1, rho));
  return (Math.sqrt(1 - r * r) + r * (Math.PI - Math.acos(r))) / Math.PI;
}

/** erf with |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26), enough for predictions. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}

function act(activation: Activation, u: number): number {
  return activation === 'relu' ? Math.max(0, u) : 0.5 * u * (1 + erf(u / Math.SQRT2));
}

/**
 * E[φ(u)φ(u)] and E[φ(u)φ(v)] for (u, v) centred Gaussian with variance `variance` and correlation
 * `rho`: closed form for ReLU, a 2-D trapezoid rule on [−8, 8]² (spacing 0.05) for GELU.
 */
export function activationMoments(
  activation: Activation,
  variance: number,
  rho: number,
): { diag: number; off: number } {
  if (activation === 'relu') return { diag: variance / 2, off: (variance * arcCosine(rho)) / 2 };
  const s = Math.sqrt(variance);
  const r = Math.min(1, Math.max(-1, rho));
  const c = Math.sqrt(1 - r * r);
  const h = 0.05;
  const zs: number[] = [];
  for (let z = -8; z <= 8 + 1e-9; z += h) zs.push(z);
  const w = zs.map((z) => (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * h);
  let diag = 0;
  let off = 0;
  for (let i = 0; i < zs.length; i++) {
    const u = s * zs[i]!;
    const fu = act(activation, u);
    diag += w[i]! * fu * fu;
    for (let j = 0; j < zs.length; j++) {
      off += w[i]! * w[j]! * fu * act(activation, s * (r * zs[i]! + c * zs[j]!));
    }
  }
  return { diag, off };
}

/** The input statistics of a prediction. */
export interface PropagationInput {
  /** Tokens per sequence. */
  n: number;
  /** Correlation ρ₀ of the input tokens. @defaultValue 0 */
  rho0?: number;
  /** Squared norm per feature q₀ = ‖x‖²/d of the input tokens. @defaultValue 1 */
  q0?: number;
}

/** The predicted state after a block (layer 0 is the input). */
export interface LayerPrediction {
  layer: number;
  /** E‖x‖²/d. */
  q: number;
  /** Token correlation ρ = E⟨x_i, x_j⟩ / E‖x_i‖². */
  rho: number;
}

function checkInput(input: PropagationInput): Required<PropagationInput> {
  const { n, rho0 = 0, q0 = 1 } = input;
  if (!Number.isInteger(n) || n < 2)
    throw new DiagnosticsError('E_INVALID_ARGUMENT', `n must be an integer ≥ 2, got ${n}`);
  if (!(rho0 >= -1 / (n - 1) && rho0 < 1)) {
    throw new DiagnosticsError('E_INVALID_ARGUMENT', `rho0 must be in [−1/(n−1), 1), got ${rho0}`);
  }
  if (!(q0 > 0 && Number.isFinite(q0)))
    throw new DiagnosticsError('E_INVALID_ARGUMENT', `q0 must be a finite number > 0, got ${q0}`);
  return { n, rho0, q0 };
}

/**
 * q_ℓ and ρ_ℓ after every block of a model built from `config`, under uniform attention, for any
 * LayerNorm placement, residual scaling, init σ and ReLU/GELU MLP (LayerNorm gains at their init,
 * 1; biases 0). Causal masks are outside the theory.
 *
 * @example
 * ```ts
 * predictPropagation({ dModel: 128, depth: 12, norm: 'post', mlp: false }, { n: 32 }).at(-1)!.rho; // ≈ 1
 * ```
 */
export function predictPropagation(config: TransformerConfig, input: PropagationInput): LayerPrediction[] {
  const c = resolveConfig(config);
  if (c.causal)
    throw new DiagnosticsError(
      'E_INVALID_ARGUMENT',
      'predictPropagation: causal attention is outside the uniform-attention theory',
    );
  const { n, rho0, q0 } = checkInput(input);
  // Squared branch gains; without residuals the branch is the block and α does not apply.
  // (Without W_O the heads' values are the output: no σ_o.)
  const a = (c.residual ? c.alphaAttn ** 2 : 1) * c.init.v ** 2 * (c.outputProjection ? c.init.o ** 2 : 1);
  const mlpBranch = (qIn: number, rhoIn: number) => {
    if (!c.mlp) return { diag: 0, off: 0 };
    const m = activationMoments(c.mlp.activation, c.init.mlp1 ** 2 * qIn, rhoIn);
    const scale = (c.residual ? c.alphaMlp ** 2 : 1) * c.init.mlp2 ** 2;
    return { diag: scale * m.diag, off: scale * m.off };
  };
  let q = q0;
  let p = rho0 * q0;
  const out: LayerPrediction[] = [{ layer: 0, q, rho: rho0 }];
  for (let l = 1; l <= c.depth; l++) {
    // Attention: every token receives x̄ᵀ W_V W_O, whose squared norm per feature is σ_v²σ_o²·mean(Gram).
    const seen = c.norm === 'pre' ? { q: 1, p: p / q } : { q, p };
    // Uniform attention: every token receives the mean token; identity: its own (the Gram is kept).
    const mean = (seen.q + (n - 1) * seen.p) / n;
    const self = c.attention === 'identity' ? seen.q : mean;
    const cross = c.attention === 'identity' ? seen.p : mean;
    if (c.residual) {
      q += a * self;
      p += a * cross;
    } else {
      q = a * self;
      p = a * cross;
    }
    if (c.norm === 'post') [q, p] = [1, p / q];
    if (c.mlp) {
      const inQ = c.norm === 'pre' || c.norm === 'post' ? 1 : q;
      const b = mlpBranch(inQ, p / q);
      if (c.residual) {
        q += b.diag;
        p += b.off;
      } else {
        q = b.diag;
        p = b.off;
      }
      if (c.norm === 'post') [q, p] = [1, p / q];
    }
    out.push({ layer: l, q, rho: p / q });
  }
  if (c.finalNorm) {
    const last = out[out.length - 1]!;
    out[out.length - 1] = { ...last, q: 1 };
  }
  return out;
}

/**
 * The closed form for an attention-only residual stack without LayerNorm (or with Post-LN):
 * ρ_ℓ = (r₀ s^ℓ − 1)/(r₀ s^ℓ + n − 1), s = 1 + α²σ_v²σ_o², r₀ = (1 + (n − 1)ρ₀)/(1 − ρ₀), ℓ = 0…depth.
 */
export function attentionOnlyCorrelation(options: {
  n: number;
  depth: number;
  alpha: number;
  sigmaV?: number;
  sigmaO?: number;
  rho0?: number;
}): number[] {
  const { n, rho0 } = checkInput({ n: options.n, rho0: options.rho0 ?? 0 });
  const { depth, alpha, sigmaV = 1, sigmaO = 1 } = options;
  if (!Number.isInteger(depth) || depth < 0) {
    throw new DiagnosticsError('E_INVALID_ARGUMENT', `depth must be an integer ≥ 0, got ${depth}`);
  }
  const s = 1 + alpha * alpha * sigmaV * sigmaV * sigmaO * sigmaO;
  const r0 = (1 + (n - 1) * rho0) / (1 - rho0);
  return Array.from({ length: depth + 1 }, (_, l) => {
    const r = r0 * s ** l;
    return Number.isFinite(r) ? (r - 1) / (r + n - 1) : 1;
  });
}

/** Settings of one attention layer for the gradient predictions (σ's in the σ/√fan_in convention). */
export interface GradientTheoryInput {
  /** Tokens. */
  n: number;
  /** Token width. */
  d: number;
  /** Token correlation ρ of the layer's input. */
  rho: number;
  /** Input scale: entries of the tokens have variance σ_x². @defaultValue 1 */
  sigmaX?: number;
  /** Inverse temperature. @defaultValue 1 */
  tau?: number;
  /** @defaultValue 1 */
  sigmaQ?: number;
  /** @defaultValue 1 */
  sigmaK?: number;
  /** @defaultValue 1 */
  sigmaV?: number;
}

/** Predicted gradient-norm ratios of one attention layer. */
export interface GradientRatio {
  /** √(E‖∂L/∂W_Q‖² / E‖∂L/∂W_V‖²). */
  qOverV: number;
  /** √(E‖∂L/∂W_K‖² / E‖∂L/∂W_V‖²). */
  kOverV: number;
}

/**
 * The query/value and key/value gradient ratios of one attention layer under uniform attention,
 * for tokens x_i = σ_x(√ρ z₀ + √(1−ρ) z_i) and an output gradient independent of the weights:
 * (Q/V)² = τ²σ_k²σ_v²σ_x⁴ (1−ρ)² (n−1)(n+d) / (n² d (ρ + (1−ρ)/n)); K/V swaps σ_k for σ_q.
 * Independent of d_k and of the number of heads.
 */
export function predictGradientRatio(input: GradientTheoryInput): GradientRatio {
  const { n, d, rho, sigmaX = 1, tau = 1, sigmaQ = 1, sigmaK = 1, sigmaV = 1 } = input;
  checkInput({ n, rho0: rho });
  if (!Number.isInteger(d) || d < 1)
    throw new DiagnosticsError('E_INVALID_ARGUMENT', `d must be an integer ≥ 1, got ${d}`);
  const common =
    (tau ** 2 * sigmaV ** 2 * sigmaX ** 4 * (1 - rho) ** 2 * (n - 1) * (n + d)) /
    (n * n * d * (rho + (1 - rho) / n));
  return { qOverV: Math.sqrt(common * sigmaK ** 2), kOverV: Math.sqrt(common * sigmaQ ** 2) };
}

/**
 * The same ratios for given tokens X (`[n, d]`, row-major), in expectation over the weights and an
 * output gradient with i.i.d. entries only: (Q/V)² = τ²σ_k²σ_v² ‖X‖_F² ‖XᵀPX‖_F² / (n³ d² ‖x̄‖²),
 * P = I − 11ᵀ/n.
 */
export function gradientRatioForTokens(
  x: { n: number; d: number; data: ArrayLike<number> },
  options: { tau?: number; sigmaQ?: number; sigmaK?: number; sigmaV?: number } = {},
): GradientRatio {
  const { n, d, data } = x;
  const { tau = 1, sigmaQ = 1, sigmaK = 1, sigmaV = 1 } = options;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]! / n;
  let frob = 0;
  for (let k = 0; k < n * d; k++) frob += data[k]! ** 2;
  // ‖XᵀPX‖_F² = ‖(PX)(PX)ᵀ‖_F², an n×n Gram of the centred tokens.
  const centred = Float64Array.from({ length: n * d }, (_, k) => data[k]! - mean[k % d]!);
  let cov = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let g = 0;
      for (let t = 0; t < d; t++) g += centred[i * d + t]! * centred[j * d + t]!;
      cov += g * g;
    }
  }
  const meanSq = mean.reduce((s, v) => s + v * v, 0);
  const common = (tau ** 2 * sigmaV ** 2 * frob * cov) / (n ** 3 * d * d * meanSq);
  return { qOverV: Math.sqrt(common * sigmaK ** 2), kOverV: Math.sqrt(common * sigmaQ ** 2) };
}
