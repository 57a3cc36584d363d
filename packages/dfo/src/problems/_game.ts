/**
 * What every min-max test game is (the `Game` interface) and the small dense linear algebra the
 * games share.
 */
import type { Rng } from '@trainlab/random';
/** A min-max test problem: value, noisy samples, gradients, a start point and what is known of its solution. */
export interface Game {
  name: string;
  description: string;
  x0: Float64Array;
  y0: Float64Array;
  /** f(x, y): the min player chooses x, the max player y. */
  value(x: Float64Array, y: Float64Array): number;
  /** One noisy sample F(x, y, ξ) with E F = f (the stochastic version of the game). */
  sample(x: Float64Array, y: Float64Array, rng: Rng): number;
  gradX(x: Float64Array, y: Float64Array): Float64Array;
  gradY(x: Float64Array, y: Float64Array): Float64Array;
  /** The saddle point, where it is known. */
  saddle?: { x: Float64Array; y: Float64Array };
  /** argmax_y f(x, y), where known in closed form. */
  bestResponse?(x: Float64Array): Float64Array;
  /** ‖∇Φ(x)‖ for Φ(x) = max_y f(x, y), where known in closed form (0 at stationary points of Φ). */
  stationarity?(x: Float64Array): number;
  /** Box bounds of the max player, where the game has them. */
  boundsY?: { lower: Float64Array; upper: Float64Array };
}

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
export const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

/** Dense row-major matrix–vector products for the small games. */
export function matVec(M: Float64Array[], v: ArrayLike<number>): Float64Array {
  return Float64Array.from(M, (row) => dot(row, v));
}
export function matTVec(M: Float64Array[], v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(M[0]!.length);
  M.forEach((row, i) => {
    for (let j = 0; j < row.length; j++) out[j]! += row[j]! * v[i]!;
  });
  return out;
}

/** Solves the symmetric positive definite system S z = r (Cholesky). */
export function solveSpd(S: Float64Array[], r: ArrayLike<number>): Float64Array {
  const n = S.length;
  const L = S.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = S[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = i === j ? Math.sqrt(s) : s / L[j]![j]!;
    }
  }
  const z = Float64Array.from(r);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) z[i]! -= L[i]![k]! * z[k]!;
    z[i]! /= L[i]![i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) z[i]! -= L[k]![i]! * z[k]!;
    z[i]! /= L[i]![i]!;
  }
  return z;
}
