/**
 * Rank-collapse measurements of token matrices (tokens are rows), in float64.
 *
 * Every function takes one sequence `[n, d]` or a batch `[batch, n, d]` (a tensor or nested
 * arrays), with an optional key-padding mask `[batch, n]` (1 = token, 0 = padding): padding rows
 * are dropped before measuring, and batch results are the mean over sequences.
 */
import { singularValues, type Tensor, tf } from '@trainlab/tensor';
import { DiagnosticsError } from './errors';

/** A token matrix or a batch of them. */
export type TokensInput = Tensor | number[][] | number[][][];
/** Key-padding mask: `[n]` or `[batch, n]`, 1 = token, 0 = padding. */
export type MaskInput = Tensor | number[] | number[][];

/** One sequence's real tokens, row-major. */
export interface TokenMatrix {
  n: number;
  d: number;
  data: Float64Array;
}

/** Reads tokens (and a mask) into float64 matrices, one per sequence, padding rows removed. */
export function tokenMatrices(x: TokensInput, mask?: MaskInput): TokenMatrix[] {
  const t = x instanceof tf.Tensor ? x : null;
  const shape = t ? t.shape : shapeOf(x);
  if (shape.length !== 2 && shape.length !== 3) {
    throw new DiagnosticsError('E_SHAPE', `tokens must be [n, d] or [batch, n, d], got shape [${shape}]`);
  }
  const [batch, n, d] = shape.length === 2 ? [1, shape[0]!, shape[1]!] : (shape as [number, number, number]);
  const values = t ? t.dataSync() : Float64Array.from((x as number[][]).flat(2) as number[]);
  if (values.length !== batch * n * d)
    throw new DiagnosticsError('E_SHAPE', 'tokens must be a rectangular array');
  let keep: ArrayLike<number> | null = null;
  if (mask !== undefined) {
    const m = mask instanceof tf.Tensor ? mask : null;
    const mShape = m ? m.shape : shapeOf(mask);
    const expected = shape.length === 2 ? [n] : [batch, n];
    if (mShape.length !== expected.length || mShape.some((s, i) => s !== expected[i])) {
      throw new DiagnosticsError(
        'E_SHAPE',
        `mask must have shape [${expected}] (1 = token, 0 = padding), got [${mShape}]`,
      );
    }
    keep = m ? m.dataSync() : (mask as number[] | number[][]).flat();
    for (let i = 0; i < keep.length; i++) {
      if (keep[i] !== 0 && keep[i] !== 1) {
        throw new DiagnosticsError(
          'E_INVALID_ARGUMENT',
          `mask entry ${i} must be 0 (padding) or 1 (token), got ${keep[i]}`,
        );
      }
    }
  }

  const out: TokenMatrix[] = [];
  for (let b = 0; b < batch; b++) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (keep?.[b * n + i] !== 0) rows.push(i);
    const data = new Float64Array(rows.length * d);
    rows.forEach((i, r) => {
      for (let j = 0; j < d; j++) data[r * d + j] = values[(b * n + i) * d + j]!;
    });
    out.push({ n: rows.length, d, data });
  }
  return out;
}

function shapeOf(x: unknown): number[] {
  const shape: number[] = [];
  let v = x;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

function meanOver(
  mats: TokenMatrix[],
  f: (m: TokenMatrix) => number,
  minTokens: number,
  what: string,
): number {
  let sum = 0;
  let count = 0;
  for (const m of mats) {
    if (m.n < minTokens) continue;
    sum += f(m);
    count++;
  }
  if (count === 0) {
    throw new DiagnosticsError(
      'E_SHAPE',
      `${what} needs at least ${minTokens} unpadded tokens in some sequence`,
    );
  }
  return sum / count;
}

/** Σ_i x_i and Σ_i ‖x_i‖² of a matrix (optionally of its unit-normalized rows). */
function rowSums(m: TokenMatrix, normalize: boolean): { sum: Float64Array; squares: number } {
  const { n, d, data } = m;
  const sum = new Float64Array(d);
  let squares = 0;
  for (let i = 0; i < n; i++) {
    let nrm = 0;
    for (let j = 0; j < d; j++) nrm += data[i * d + j]! ** 2;
    const scale = normalize ? (nrm > 0 ? 1 / Math.sqrt(nrm) : 0) : 1;
    squares += normalize ? (nrm > 0 ? 1 : 0) : nrm;
    for (let j = 0; j < d; j++) sum[j]! += data[i * d + j]! * scale;
  }
  return { sum, squares };
}

function sq(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return s;
}

/**
 * Mean pairwise cosine similarity of the tokens, Σ_{i≠j} cos(x_i, x_j) / (n(n−1)): 1 when every
 * token points the same way (rank collapse), ≈ 0 for independent random tokens.
 */
export function tokenCosine(x: TokensInput, mask?: MaskInput): number {
  return meanOver(
    tokenMatrices(x, mask),
    (m) => {
      const { sum, squares } = rowSums(m, true);
      return (sq(sum) - squares) / (m.n * (m.n - 1));
    },
    2,
    'tokenCosine',
  );
}

/** ρ = mean off-diagonal entry of the Gram matrix XXᵀ / mean diagonal entry (the theory's correlation). */
export function gramCorrelation(x: TokensInput, mask?: MaskInput): number {
  return meanOver(
    tokenMatrices(x, mask),
    (m) => {
      const { sum, squares } = rowSums(m, false);
      return (sq(sum) - squares) / (m.n * (m.n - 1)) / (squares / m.n);
    },
    2,
    'gramCorrelation',
  );
}

/** ‖M‖₁ (largest absolute column sum) and ‖M‖_∞ (largest absolute row sum). */
function oneInf(data: Float64Array, n: number, d: number): number {
  const cols = new Float64Array(d);
  let rowMax = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < d; j++) {
      const a = Math.abs(data[i * d + j]!);
      row += a;
      cols[j]! += a;
    }
    rowMax = Math.max(rowMax, row);
  }
  return Math.sqrt(Math.max(...cols) * rowMax);
}

/** Dong et al.'s residual res(X) = X − 1x̄ᵀ relative to X, in two norms. */
export interface DongResidual {
  /** ‖res(X)‖_F / ‖X‖_F. */
  frobenius: number;
  /** ‖res(X)‖_{1,∞} / ‖X‖_{1,∞} with ‖M‖_{1,∞} = √(‖M‖₁‖M‖_∞). */
  composite: number;
}

/** Dong, Cordonnier & Loukas (2021): how far the tokens are from all being equal, 0 under full collapse. */
export function dongResidual(x: TokensInput, mask?: MaskInput): DongResidual {
  const mats = tokenMatrices(x, mask);
  const parts = mats
    .filter((m) => m.n >= 1)
    .map(({ n, d, data }) => {
      const mean = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]! / n;
      const res = data.map((v, k) => v - mean[k % d]!);
      return {
        frobenius: Math.sqrt(sq(res) / sq(data)),
        composite: oneInf(res, n, d) / oneInf(data, n, d),
      };
    });
  if (parts.length === 0)
    throw new DiagnosticsError('E_SHAPE', 'dongResidual needs at least one unpadded token');
  return {
    frobenius: parts.reduce((s, p) => s + p.frobenius, 0) / parts.length,
    composite: parts.reduce((s, p) => s + p.composite, 0) / parts.length,
  };
}

/** Rank measures of a token matrix from its singular values. */
export interface RankMeasures {
  /** ‖X‖_F² / ‖X‖₂²: between 1 (rank one) and rank(X). */
  stable: number;
  /** exp(entropy of σ_i / Σσ) (Roy & Vetterli 2007): between 1 and rank(X). */
  effective: number;
  /** Number of σ_i > tolerance · σ_max. */
  numerical: number;
}

/**
 * Stable, effective and numerical rank, each averaged over the batch. The default tolerance,
 * max(n, d) · 2⁻²³, is numpy's `matrix_rank` rule for float32 data.
 */
export function rankMeasures(
  x: TokensInput,
  options: { mask?: MaskInput; tolerance?: number } = {},
): RankMeasures {
  const mats = tokenMatrices(x, options.mask).filter((m) => m.n >= 1);
  if (mats.length === 0)
    throw new DiagnosticsError('E_SHAPE', 'rankMeasures needs at least one unpadded token');
  const tol = options.tolerance;
  if (tol !== undefined && !(Number.isFinite(tol) && tol >= 0 && tol < 1)) {
    throw new DiagnosticsError(
      'E_INVALID_ARGUMENT',
      `options.tolerance must be a number in [0, 1), got ${tol}`,
    );
  }
  const sum = { stable: 0, effective: 0, numerical: 0 };
  for (const m of mats) {
    const s = singularValues({ rows: m.n, cols: m.d, data: m.data });
    const max = s[0] ?? 0;
    if (max === 0) {
      sum.stable += 0;
      continue;
    }
    const total = s.reduce((a, b) => a + b, 0);
    let entropy = 0;
    for (const v of s) if (v > 0) entropy -= (v / total) * Math.log(v / total);
    sum.stable += s.reduce((a, b) => a + b * b, 0) / (max * max);
    sum.effective += Math.exp(entropy);
    const t = (tol ?? Math.max(m.n, m.d) * 2 ** -23) * max;
    sum.numerical += s.filter((v) => v > t).length;
  }
  return {
    stable: sum.stable / mats.length,
    effective: sum.effective / mats.length,
    numerical: sum.numerical / mats.length,
  };
}
