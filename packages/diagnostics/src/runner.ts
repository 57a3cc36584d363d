/**
 * What every experiment runner shares: validated configs, cells computed one at a time and handed
 * out as soon as they exist (so a caller can save as it goes and skip them on a rerun), progress
 * events, and the result shape (raw rows per seed, a summary, a declarative figure).
 */
import type { CellFailure } from '@trainlab/runner';
import { type Rng, type Tensor, tf } from '@trainlab/tensor';
import { DiagnosticsError } from './errors';

// Cells, progress, resume and failures are @trainlab/runner's (no TensorFlow.js there, so the CLI's
// DFO sweeps use it too); the experiments of this package run through it.
export type { Cell, CellFailure, CellResult, ProgressEvent, RunOptions } from '@trainlab/runner';
export { runCells } from '@trainlab/runner';

/** A Vega-Lite (v5) specification with its data inline: render it with vega-lite, or save it as JSON. */
export type FigureSpec = Record<string, unknown>;

/** What every experiment runner returns: the resolved config, rows, summary, failures and a Vega-Lite figure. */
export interface ExperimentResult<Config, Row, Summary> {
  experiment: string;
  /** The config with every default filled in. */
  config: Config;
  /** Raw per-seed rows, in cell order. */
  rows: Row[];
  /** Means (and spreads) over seeds, with predictions where the theory has them. */
  summary: Summary[];
  figure: FigureSpec;
  /** Cells whose executor failed (only with `RunOptions.execute`); their rows are missing. */
  failures: CellFailure[];
}

/** Collects config problems and throws them all at once. */
export class ConfigCheck {
  private readonly issues: string[] = [];

  constructor(private readonly experiment: string) {}

  fail(path: string, allowed: string, got: unknown): void {
    this.issues.push(`${path} must be ${allowed}, got ${JSON.stringify(got) ?? String(got)}`);
  }

  keys(value: object, known: readonly string[]): void {
    for (const k of Object.keys(value))
      if (!known.includes(k)) this.fail(k, `a known field (${known.join(', ')})`, k);
  }

  int(path: string, value: unknown, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `an integer from ${min} to ${max}`, value);
      return fallback;
    }
    return value;
  }

  num(path: string, value: unknown, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.fail(path, `a number from ${min} to ${max}`, value);
      return fallback;
    }
    return value;
  }

  /** Attention heads: each gets dModel / heads features, so they must divide the width. */
  heads(value: unknown, dModel: number, fallback: number): number {
    const heads = this.int('heads', value, 1, 256, fallback);
    if (Number.isInteger(dModel) && dModel > 0 && dModel % heads !== 0) {
      this.fail('heads', `a divisor of dModel = ${dModel} (each head gets dModel / heads features)`, heads);
    }
    return heads;
  }

  oneOf<T>(path: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      this.fail(path, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
      return fallback;
    }
    return value as T;
  }

  list<T>(path: string, value: unknown, item: (v: unknown) => boolean, allowed: string, fallback: T[]): T[] {
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.length === 0 || !value.every(item)) {
      this.fail(path, `a non-empty array of ${allowed}`, value);
      return fallback;
    }
    return value as T[];
  }

  done(): void {
    if (this.issues.length > 0) {
      throw new DiagnosticsError(
        'E_CONFIG',
        `invalid ${this.experiment} config${this.issues.length > 1 ? ` (${this.issues.length} problems)` : ''}:\n  - ${this.issues.join('\n  - ')}`,
      );
    }
  }
}

export const isInt = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
export const isNum = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
export const isOneOf = (allowed: readonly unknown[]) => (v: unknown) => allowed.includes(v);

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

/** The largest first seed a config accepts. */
export const MAX_SEED = 2 ** 31 - 1;

/** Mean and sample standard deviation (0 for one value); NaN-free values only. */
export function meanStd(values: number[]): { mean: number; std: number } {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std };
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
