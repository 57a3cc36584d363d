/**
 * What the experiments of this package share: correlated input tokens, seeds, means over seeds,
 * grouping, and figure helpers. Each experiment is an `ExperimentDefinition` of @trainlab/runner.
 */
import { type Rng, type Tensor, tf } from '@trainlab/tensor';

// Definitions, cells, progress, resume and failures are @trainlab/runner's (no TensorFlow.js there,
// so dfo's benchmarks use it too); the experiments of this package are definitions run by it.
export type {
  Cell,
  CellFailure,
  CellResult,
  ExperimentDefinition,
  ExperimentResult,
  FigureSpec,
  ProgressEvent,
  RunOptions,
} from '@trainlab/runner';
export { MAX_SEED } from '@trainlab/runner';

/**
 * n tokens of width d with correlation ρ and entry variance σ²: x_i = σ(√ρ z₀ + √(1−ρ) z_i), all
 * z i.i.d. N(0, I), drawn from `rng` (float32, `[n, d]`).
 */
export function correlatedTokens(n: number, d: number, rho: number, sigma: number, rng: Rng): Tensor {
  const z0 = rng.fork('shared').normal(d);
  const z = rng.fork('own').normal(n * d);
  const a = Math.sqrt(rho);
  const b = Math.sqrt(1 - rho);
  return tf.tensor2d(
    Float32Array.from({ length: n * d }, (_, k) => sigma * (a * z0[k % d]! + b * z[k]!)),
    [n, d],
  );
}

/** The seeds of a run: first, first + 1, …, first + count − 1. */
export function seedList(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

/** Mean and sample standard deviation (0 for one value); NaN-free values only. */
export function meanStd(values: number[]): { mean: number; std: number; se: number; n: number } {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: Number.NaN, std: Number.NaN, se: Number.NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  // The standard error of the mean over seeds (0 with one seed: no spread was measured).
  return { mean, std, se: v.length > 1 ? std / Math.sqrt(v.length) : 0, n: v.length };
}

/** Groups rows by a key function, in first-seen order. */
export function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** JSON-safe numbers for figures: NaN and ±Infinity become null. */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
