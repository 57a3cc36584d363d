/**
 * Softmax attention at initialization as a random energy model (Derrida 1981; for attention,
 * Giorlandino & Goldt 2025): the two failure modes of a self-attention layer as one phase
 * transition in the variance of queries and keys. Derivation in `docs/theory.md` ("Entropy
 * collapse"); the tests hold every prediction against the real attention layer.
 *
 * Tokens with self-overlap q = ‖x‖²/d and cross-overlap p = ⟨x_a, x_b⟩/d, weights with init σ
 * (W ~ N(0, σ²/fan_in)), inverse temperature τ, logits τ·(x_a W_Q)(x_b W_K)ᵀ/√d_k. Over the weights
 * the logits of one query are Gaussian: a part common to every key (variance ∝ qp, cancelled by
 * the softmax) plus a part that differs between keys, of variance
 *
 *     s² = τ² σ_Q² σ_K² q (q − p)                       (the disorder)
 *
 * Softmax over T keys of independent Gaussian energies of variance s² is Derrida's random energy
 * model with β = s/√((q − p) ln T). For T → ∞ it has two phases, split at β_c = √(2/(q − p)),
 * i.e. s_c = √(2 ln T):
 * - s < s_c (small Q/K variance): the weight spreads over ~T^(1 − s²/(2 ln T)) keys, the
 *   participation Σ_b A_ab² → 0, the normalized entropy H/ln T → 1 − s²/(2 ln T), and every
 *   output token is the same average of the values: output overlaps p and p (rank collapse).
 * - s > s_c (large Q/K variance): the weight condenses on a few keys (entropy collapse), E Σ_b A_ab²
 *   → 1 − β_c/β = 1 − s_c/s, H/ln T → 0, and the output self-overlap is p + (q − p)(1 − β_c/β)
 *   while distinct queries pick different keys (cross-overlap p): the signal survives.
 * Through W_V and W_O the overlaps are multiplied by σ_V² σ_O².
 */
import { Rng } from '@trainlab/tensor';
import { DiagnosticsError } from './errors';

/** The attention layer and its input tokens, as the theory needs them. */
export interface AttentionDisorderInput {
  /** Self-overlap of the input tokens, ‖x‖²/d. */
  q: number;
  /** Cross-overlap of distinct input tokens, ⟨x_a, x_b⟩/d (p < q). */
  p: number;
  /** Keys per query T (the sequence length n). */
  tokens: number;
  /** Init σ of W_Q and W_K. @defaultValue 1 */
  sigmaQ?: number;
  sigmaK?: number;
  /** Init σ of W_V and W_O (they scale the output overlaps by σ_V²σ_O²). @defaultValue 1 */
  sigmaV?: number;
  sigmaO?: number;
  /** Inverse temperature τ of the softmax. @defaultValue 1 */
  tau?: number;
}

/** The REM's parameters of an attention layer. */
export interface RemParameters {
  /** s: standard deviation of the part of the logits that differs between keys. */
  disorder: number;
  /** s_c = √(2 ln T): the disorder at the transition. */
  criticalDisorder: number;
  /** β = s/√((q − p) ln T). */
  beta: number;
  /** β_c = √(2/(q − p)). */
  betaC: number;
}

/** Asymptotic (T → ∞) predictions of the REM for one attention layer. */
export interface EntropyPrediction extends RemParameters {
  /** 'rank-collapse' below the transition (s < s_c), 'entropy-collapse' above it. */
  phase: 'rank-collapse' | 'entropy-collapse';
  /** E Σ_b A_ab²: 0 below, 1 − s_c/s above. */
  participation: number;
  /** E H/ln T (H the entropy of one query's attention row): 1 − s²/(2 ln T) below, 0 above. */
  entropy: number;
  /** Self-overlap of the output tokens: σ_V²σ_O²(p + (q − p)·participation). */
  selfOverlap: number;
  /** Cross-overlap of distinct output tokens: σ_V²σ_O²·p (different queries condense on different keys). */
  crossOverlap: number;
  /** crossOverlap/selfOverlap: 1 below the transition (rank collapse), p/q as s → ∞. */
  cosine: number;
}

function check(input: AttentionDisorderInput) {
  const { q, p, tokens } = input;
  const sigmaQ = input.sigmaQ ?? 1;
  const sigmaK = input.sigmaK ?? 1;
  const sigmaV = input.sigmaV ?? 1;
  const sigmaO = input.sigmaO ?? 1;
  const tau = input.tau ?? 1;
  const bad = (name: string, allowed: string, value: unknown) =>
    new DiagnosticsError('E_INVALID_ARGUMENT', `${name} must be ${allowed}, got ${String(value)}`);
  if (!(Number.isFinite(q) && q > 0)) throw bad('q', 'a finite number > 0', q);
  if (!(Number.isFinite(p) && p >= 0 && p < q)) throw bad('p', `a number ≥ 0 and < q = ${q}`, p);
  if (!(Number.isInteger(tokens) && tokens >= 2)) throw bad('tokens', 'an integer ≥ 2', tokens);
  for (const [name, v] of [
    ['sigmaQ', sigmaQ],
    ['sigmaK', sigmaK],
    ['sigmaV', sigmaV],
    ['sigmaO', sigmaO],
    ['tau', tau],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0)) throw bad(name, 'a finite number ≥ 0', v);
  }
  return { q, p, tokens, sigmaQ, sigmaK, sigmaV, sigmaO, tau };
}

/** The disorder s and the REM's β, β_c of an attention layer (see the module comment). */
export function remParameters(input: AttentionDisorderInput): RemParameters {
  const c = check(input);
  const disorder = c.tau * c.sigmaQ * c.sigmaK * Math.sqrt(c.q * (c.q - c.p));
  const lnT = Math.log(c.tokens);
  return {
    disorder,
    criticalDisorder: Math.sqrt(2 * lnT),
    beta: disorder / Math.sqrt((c.q - c.p) * lnT),
    betaC: Math.sqrt(2 / (c.q - c.p)),
  };
}

/** The T → ∞ predictions of the REM (see `EntropyPrediction`). */
export function predictEntropyCollapse(input: AttentionDisorderInput): EntropyPrediction {
  const c = check(input);
  const rem = remParameters(input);
  const lnT = Math.log(c.tokens);
  const condensed = rem.disorder > rem.criticalDisorder;
  const participation = condensed ? 1 - rem.criticalDisorder / rem.disorder : 0;
  const entropy = condensed ? 0 : 1 - (rem.disorder * rem.disorder) / (2 * lnT);
  const gain = c.sigmaV ** 2 * c.sigmaO ** 2;
  const selfOverlap = gain * (c.p + (c.q - c.p) * participation);
  const crossOverlap = gain * c.p;
  return {
    ...rem,
    phase: condensed ? 'entropy-collapse' : 'rank-collapse',
    participation,
    entropy,
    selfOverlap,
    crossOverlap,
    cosine: selfOverlap > 0 ? crossOverlap / selfOverlap : Number.NaN,
  };
}

/** Finite-T statistics of softmax attention over Gaussian logits (see `attentionStatistics`). */
export interface AttentionStatistics {
  /** E Σ_b A_ab². */
  participation: number;
  /** E Σ_b A_ab A_a'b for two distinct queries. */
  crossParticipation: number;
  /** E H/ln T. */
  entropy: number;
  /** Predicted output self- and cross-overlap and their ratio, as in `EntropyPrediction`. */
  selfOverlap: number;
  crossOverlap: number;
  cosine: number;
  /** Monte Carlo draws averaged (each: two queries over T keys). */
  samples: number;
}

/**
 * The same quantities at finite T, without the T → ∞ limit: exact for the Gaussian model of the
 * logits, by Monte Carlo over it (seeded; error ~1/√samples). Each draw makes two queries' vectors
 * u_a, u_a' (d_k Gaussian coordinates with correlation p/q, so that ‖u‖² fluctuates as it does in a
 * head of width d_k), then T keys' logits, jointly Gaussian given u with covariance
 * τ²σ_K²(q − p)/d_k · [u·u'] between the two queries (the common part is dropped: softmax ignores
 * it), and measures Σ A², Σ A A' and H. With `headDim: Infinity` the query norms are exact.
 */
export function attentionStatistics(
  input: AttentionDisorderInput & { headDim?: number; samples?: number; seed?: number },
): AttentionStatistics {
  const c = check(input);
  const headDim = input.headDim ?? Number.POSITIVE_INFINITY;
  const samples = input.samples ?? 4000;
  if (!(headDim === Number.POSITIVE_INFINITY || (Number.isInteger(headDim) && headDim >= 1)))
    throw new DiagnosticsError(
      'E_INVALID_ARGUMENT',
      `headDim must be an integer ≥ 1 or Infinity, got ${headDim}`,
    );
  if (!(Number.isInteger(samples) && samples >= 1))
    throw new DiagnosticsError('E_INVALID_ARGUMENT', `samples must be an integer ≥ 1, got ${samples}`);
  const T = c.tokens;
  const rng = new Rng(input.seed ?? 0).fork('attention-statistics');
  const rho = c.p / c.q;
  // Per unit ‖u‖²/d_k: the logits' key-dependent standard deviation is s·√(‖u‖²/(σ_Q² q d_k)).
  const s = remParameters(input).disorder;
  const lnT = Math.log(T);
  const a = new Float64Array(T);
  const b = new Float64Array(T);
  let sumY = 0;
  let sumCross = 0;
  let sumH = 0;
  const softmax = (z: Float64Array) => {
    let max = Number.NEGATIVE_INFINITY;
    for (const v of z) max = Math.max(max, v);
    let total = 0;
    for (let i = 0; i < T; i++) {
      z[i] = Math.exp(z[i]! - max);
      total += z[i]!;
    }
    for (let i = 0; i < T; i++) z[i] = z[i]! / total;
  };
  for (let k = 0; k < samples; k++) {
    // The two queries' squared norms and inner product, relative to their means σ_Q² q d_k.
    let uu = 1;
    let vv = 1;
    let uv = rho;
    if (headDim !== Number.POSITIVE_INFINITY) {
      const u = rng.normal(headDim);
      const w = rng.normal(headDim);
      uu = 0;
      vv = 0;
      uv = 0;
      const r2 = Math.sqrt(1 - rho * rho);
      for (let i = 0; i < headDim; i++) {
        const x = u[i]!;
        const y = rho * x + r2 * w[i]!;
        uu += x * x;
        vv += y * y;
        uv += x * y;
      }
      uu /= headDim;
      vv /= headDim;
      uv /= headDim;
    }
    // Keys: (z_a, z_a') = s·(√uu·g, (uv/√uu)·g + √(vv − uv²/uu)·h) has covariance s²[uu uv; uv vv].
    const g = rng.normal(T);
    const h = rng.normal(T);
    const su = Math.sqrt(uu);
    const cross = uv / su;
    const rest = Math.sqrt(Math.max(0, vv - cross * cross));
    for (let i = 0; i < T; i++) {
      a[i] = s * su * g[i]!;
      b[i] = s * (cross * g[i]! + rest * h[i]!);
    }
    softmax(a);
    softmax(b);
    let y = 0;
    let yc = 0;
    let entropy = 0;
    for (let i = 0; i < T; i++) {
      const ai = a[i]!;
      y += ai * ai;
      yc += ai * b[i]!;
      if (ai > 0) entropy -= ai * Math.log(ai);
    }
    sumY += y;
    sumCross += yc;
    sumH += entropy / lnT;
  }
  const participation = sumY / samples;
  const crossParticipation = sumCross / samples;
  const gain = c.sigmaV ** 2 * c.sigmaO ** 2;
  const selfOverlap = gain * (c.p + (c.q - c.p) * participation);
  const crossOverlap = gain * (c.p + (c.q - c.p) * crossParticipation);
  return {
    participation,
    crossParticipation,
    entropy: sumH / samples,
    selfOverlap,
    crossOverlap,
    cosine: crossOverlap / selfOverlap,
    samples,
  };
}

/** A stack of attention-only blocks for `predictAttentionStack`. */
export interface AttentionStackInput {
  depth: number;
  /** Tokens n (keys per query). */
  n: number;
  /** LayerNorm placement. @defaultValue 'post' */
  norm?: 'post' | 'pre' | 'none';
  /** Residual scale α (x ← x + α·attn(x)). @defaultValue 1 */
  alpha?: number;
  /** Init σ of W_Q and W_K. @defaultValue 1 */
  sigmaQK?: number;
  /** Init σ of W_V·W_O together (σ_Vσ_O). @defaultValue 1 */
  sigmaVO?: number;
  tau?: number;
  /** Head width d_k (Infinity: exact query norms). @defaultValue Infinity */
  headDim?: number;
  /** Input correlation ρ₀ and squared norm per feature q₀. */
  rho0?: number;
  q0?: number;
  /** Monte Carlo draws per layer (see `attentionStatistics`). @defaultValue 2000 */
  samples?: number;
  seed?: number;
}

/** The state after a block of `predictAttentionStack` (layer 0 is the input). */
export interface AttentionStackLayer {
  layer: number;
  q: number;
  rho: number;
  /** Attention entropy H/ln n of the block that produced this layer (NaN for the input). */
  entropy: number;
}

/**
 * Softmax attention at any Q/K scale through a deep attention-only stack: the uniform-attention
 * recursion of `predictPropagation` with each block's attention replaced by the random energy
 * model at that block's own overlaps (q_ℓ, p_ℓ): s_ℓ² = τ²σ_QK⁴ q_ℓ(q_ℓ − p_ℓ), the branch adds
 * σ_VO²(p + (q − p)Σ A²) to the self-overlap and σ_VO²(p + (q − p)Σ A A′) to the cross-overlap
 * (finite-n statistics of `attentionStatistics`), then the LayerNorm. As tokens align, q − p and
 * with it the disorder shrink, so attention drifts toward uniform with depth: the two failure
 * modes feed each other, and the phase diagram over (σ_QK, α) follows.
 */
export function predictAttentionStack(input: AttentionStackInput): AttentionStackLayer[] {
  const { depth, n } = input;
  if (!(Number.isInteger(depth) && depth >= 1))
    throw new DiagnosticsError('E_INVALID_ARGUMENT', `depth must be an integer ≥ 1, got ${depth}`);
  const norm = input.norm ?? 'post';
  const alpha = input.alpha ?? 1;
  const sigmaQK = input.sigmaQK ?? 1;
  const sigmaVO = input.sigmaVO ?? 1;
  const tau = input.tau ?? 1;
  let q = input.q0 ?? 1;
  let p = (input.rho0 ?? 0) * q;
  const out: AttentionStackLayer[] = [{ layer: 0, q, rho: p / q, entropy: Number.NaN }];
  for (let l = 1; l <= depth; l++) {
    const seen = norm === 'pre' ? { q: 1, p: p / q } : { q, p };
    // Fully aligned tokens: the logits are equal, attention is uniform and the overlaps stay put.
    const aligned = !(seen.q - seen.p > 1e-12 * seen.q);
    const stats = aligned
      ? { participation: 1 / n, crossParticipation: 1 / n, entropy: 1 }
      : attentionStatistics({
          q: seen.q,
          p: Math.max(0, seen.p),
          tokens: n,
          sigmaQ: sigmaQK,
          sigmaK: sigmaQK,
          tau,
          ...(input.headDim === undefined ? {} : { headDim: input.headDim }),
          samples: input.samples ?? 2000,
          seed: (input.seed ?? 0) + l,
        });
    const gain = sigmaVO * sigmaVO * alpha * alpha;
    q += gain * (seen.p + (seen.q - seen.p) * stats.participation);
    p += gain * (seen.p + (seen.q - seen.p) * stats.crossParticipation);
    if (norm === 'post') [q, p] = [1, p / q];
    out.push({ layer: l, q, rho: p / q, entropy: stats.entropy });
  }
  return out;
}
