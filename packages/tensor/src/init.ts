/**
 * Weight initializers with an explicit variance convention.
 *
 * Weights multiply from the right, `y = x W` with tokens as rows, so a weight of shape
 * `[fanIn, fanOut]` has fan-in `shape[0]`. `normal` draws N(0, σ²/fanIn): σ = 1 keeps the squared
 * norm of a token through a linear map on average (the convention of Noci et al. 2022, where each
 * group — queries, keys, values, output, MLP — has its own σ). Numbers come from an `Rng`, so the
 * same seed and name give the same weights on every backend.
 */

import type { Rng } from '@trainlab/random';
import { invalidArgument } from './errors';
import { type Tensor, tf } from './tf';

/** A tensor dtype trainlab initializes. */
export type FloatDtype = 'float32';

/** How to initialize one weight. */
export type InitSpec =
  /** N(0, std²/fanIn), or N(0, std²) when `fanIn` is `'none'`. */
  | { kind: 'normal'; std: number; fanIn?: number | 'auto' | 'none' }
  /** U(−limit, limit) with limit = √3·std/√fanIn: the same variance as `normal`. */
  | { kind: 'uniform'; std: number; fanIn?: number | 'auto' | 'none' }
  /** N(0, 2/(fanIn + fanOut)) (Glorot & Bengio 2010). */
  | { kind: 'glorot-normal' }
  /** U(−√(6/(fanIn + fanOut)), +√(6/(fanIn + fanOut))) (Glorot & Bengio 2010). */
  | { kind: 'glorot-uniform' }
  | { kind: 'zeros' }
  | { kind: 'constant'; value: number };

/** Fan-in and fan-out of a weight of shape `[fanIn, fanOut]` (a vector has fan-in = fan-out = length). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  checkShape(shape);
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = shape.slice(0, -2).reduce((p, s) => p * s, 1);
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/** The variance an `InitSpec` gives each entry of a weight of this shape. */
export function initVariance(spec: InitSpec, shape: readonly number[]): number {
  const { fanIn, fanOut } = fans(shape);
  switch (spec.kind) {
    case 'normal':
    case 'uniform': {
      const n =
        spec.fanIn === undefined || spec.fanIn === 'auto' ? fanIn : spec.fanIn === 'none' ? 1 : spec.fanIn;
      return (spec.std * spec.std) / n;
    }
    case 'glorot-normal':
    case 'glorot-uniform':
      return 2 / (fanIn + fanOut);
    case 'zeros':
    case 'constant':
      return 0;
  }
}

/**
 * Makes a weight as the spec says, drawing from `rng` (the caller owns the returned tensor).
 *
 * @example
 * ```ts
 * const wq = initialize({ kind: 'normal', std: 1 }, [64, 64], root.fork('blocks.0.attn.wq'));
 * // entries ~ N(0, 1/64)
 * ```
 * @throws {TensorError} `E_INVALID_ARGUMENT` for a bad shape, a negative or non-finite std, or a bad fan-in.
 */
export function initialize(
  spec: InitSpec,
  shape: readonly number[],
  rng: Rng,
  dtype: FloatDtype = 'float32',
): Tensor {
  checkSpec(spec);
  checkShape(shape);
  const size = shape.reduce((p, s) => p * s, 1);
  const sd = Math.sqrt(initVariance(spec, shape));
  switch (spec.kind) {
    case 'normal':
    case 'glorot-normal':
      return tf.tensor(Float32Array.from(rng.normal(size, 0, sd)), shape as number[], dtype);
    case 'uniform':
    case 'glorot-uniform': {
      const limit = Math.sqrt(3) * sd;
      return tf.tensor(Float32Array.from(rng.uniform(size, -limit, limit)), shape as number[], dtype);
    }
    case 'zeros':
      return tf.zeros(shape as number[], dtype);
    case 'constant':
      return tf.fill(shape as number[], spec.value, dtype);
  }
}

/** N(0, std²/fanIn) for a weight of shape `[fanIn, fanOut]`: shorthand for `initialize({ kind: 'normal', std }, …)`. */
export function normalFanIn(rng: Rng, shape: readonly number[], std = 1): Tensor {
  return initialize({ kind: 'normal', std }, shape, rng);
}

function checkShape(shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw invalidArgument('shape', 'an array of positive integers', shape);
  }
}

function checkSpec(spec: InitSpec): void {
  switch (spec.kind) {
    case 'normal':
    case 'uniform':
      if (!Number.isFinite(spec.std) || spec.std < 0)
        throw invalidArgument(`${spec.kind}.std`, 'a finite number ≥ 0', spec.std);
      if (
        spec.fanIn !== undefined &&
        spec.fanIn !== 'auto' &&
        spec.fanIn !== 'none' &&
        !(Number.isFinite(spec.fanIn) && spec.fanIn > 0)
      ) {
        throw invalidArgument(`${spec.kind}.fanIn`, "a number > 0, 'auto' or 'none'", spec.fanIn);
      }
      return;
    case 'constant':
      if (!Number.isFinite(spec.value))
        throw invalidArgument('constant.value', 'a finite number', spec.value);
      return;
    case 'zeros':
    case 'glorot-normal':
    case 'glorot-uniform':
      return;
    default:
      throw invalidArgument(
        'spec.kind',
        "one of 'normal', 'uniform', 'glorot-normal', 'glorot-uniform', 'zeros', 'constant'",
        (spec as { kind: unknown }).kind,
      );
  }
}
