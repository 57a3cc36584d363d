/**
 * Poll sets: the directions d a direct-search iteration tries as x + α·d.
 *
 * A deterministic set must positively span Rⁿ (its cosine measure κ = min_v max_d cos(v, d) > 0),
 * so that some direction descends whenever ∇f ≠ 0 (Kolda, Lewis & Torczon 2003). Probabilistic
 * descent (Gratton, Royer, Vicente & Zhang 2015) only needs a descent direction with probability
 * p₀ = ln θ / ln(θ/γ), which is 1/2 for γ = 2, θ = 1/2: two random unit directions suffice,
 * whatever n.
 */
import type { Rng } from '@trainlab/random';
import { DfoError, invalid } from './errors';

/** A poll set by name. */
export type PollSetName = 'coordinate' | 'minimal-positive-basis' | 'random-orthogonal' | 'probabilistic';

/** Context a user-given poll-set function receives. */
export interface PollContext {
  iteration: number;
  dimension: number;
  stepSize: number;
  rng: Rng;
}

/**
 * Which directions to poll: a name, a fixed list of directions (each of length n; it should
 * positively span Rⁿ), or a function returning the directions of one iteration.
 */
export type PollSet =
  | PollSetName
  | readonly ArrayLike<number>[]
  | ((context: PollContext) => ArrayLike<number>[]);

/** Every built-in poll set name. */
export const POLL_SET_NAMES: readonly PollSetName[] = [
  'coordinate',
  'minimal-positive-basis',
  'random-orthogonal',
  'probabilistic',
];

/** ±e_i, in the order +e₁, −e₁, +e₂, … (2n directions, κ = 1/√n). */
export function coordinateDirections(n: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    for (const sign of [1, -1]) {
      const d = new Float64Array(n);
      d[i] = sign;
      out.push(d);
    }
  }
  return out;
}

/** e₁, …, eₙ and −(e₁ + … + eₙ)/√n: a minimal positive basis (n + 1 directions). */
export function minimalPositiveBasis(n: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const d = new Float64Array(n);
    d[i] = 1;
    out.push(d);
  }
  out.push(new Float64Array(n).fill(-1 / Math.sqrt(n)));
  return out;
}

/** A unit vector uniform on the sphere. */
export function randomUnitVector(n: number, rng: Rng): Float64Array {
  for (;;) {
    const v = rng.normal(n);
    const norm = Math.hypot(...v);
    if (norm > 1e-12) return v.map((x) => x / norm);
  }
}

/**
 * ±q_i for the columns of a random orthogonal matrix Q = I − 2uuᵀ (a Householder reflection
 * through a uniform random unit vector u): the coordinate set, rotated at random each iteration.
 */
export function randomOrthogonalDirections(n: number, rng: Rng): Float64Array[] {
  const u = randomUnitVector(n, rng);
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const q = new Float64Array(n);
    for (let j = 0; j < n; j++) q[j] = (i === j ? 1 : 0) - 2 * u[i]! * u[j]!;
    out.push(
      q,
      q.map((x) => -x),
    );
  }
  return out;
}

/** `count` independent unit vectors uniform on the sphere (probabilistic descent). */
export function probabilisticDirections(n: number, count: number, rng: Rng): Float64Array[] {
  return Array.from({ length: count }, () => randomUnitVector(n, rng));
}

/** Checks a poll-set option before any evaluation; fixed lists are copied. */
export function checkPollSet(param: string, pollSet: PollSet, n: number): PollSet {
  if (typeof pollSet === 'function') return pollSet;
  if (typeof pollSet === 'string') {
    if (!POLL_SET_NAMES.includes(pollSet)) {
      throw invalid(
        param,
        `one of ${POLL_SET_NAMES.map((p) => `'${p}'`).join(', ')}, a list of directions or a function`,
        pollSet,
      );
    }
    return pollSet;
  }
  if (!Array.isArray(pollSet) || pollSet.length === 0)
    throw invalid(param, 'a non-empty list of directions', pollSet);
  return pollSet.map((d, k) => checkDirection(`${param}[${k}]`, d, n));
}

function checkDirection(param: string, d: ArrayLike<number>, n: number): Float64Array {
  if (d.length !== n)
    throw new DfoError('E_DIMENSION', `${param} must have length ${n}, got length ${d.length}`);
  const v = Float64Array.from(d);
  if (v.some((x) => !Number.isFinite(x))) throw invalid(param, 'finite entries', v);
  if (v.every((x) => x === 0)) throw invalid(param, 'a nonzero direction', v);
  return v;
}

/** The directions of one iteration. */
export function pollDirections(
  pollSet: PollSet,
  context: PollContext,
  probabilisticCount: number,
): Float64Array[] {
  const n = context.dimension;
  if (typeof pollSet === 'function') {
    return pollSet(context).map((d, k) =>
      checkDirection(`pollSet(…)[${k}] at iteration ${context.iteration}`, d, n),
    );
  }
  switch (pollSet) {
    case 'coordinate':
      return coordinateDirections(n);
    case 'minimal-positive-basis':
      return minimalPositiveBasis(n);
    case 'random-orthogonal':
      return randomOrthogonalDirections(n, context.rng);
    case 'probabilistic':
      return probabilisticDirections(n, probabilisticCount, context.rng);
    default:
      return (pollSet as Float64Array[]).map((d) => Float64Array.from(d));
  }
}

/**
 * Puts the last successful direction first: moved to the front if the set has it, otherwise
 * polled in addition (random sets rarely contain it).
 */
export function successFirst(directions: Float64Array[], last: Float64Array | undefined): Float64Array[] {
  if (!last) return directions;
  const k = directions.findIndex((d) => d.every((v, i) => v === last[i]));
  if (k === 0) return directions;
  if (k > 0) return [directions[k]!, ...directions.slice(0, k), ...directions.slice(k + 1)];
  return [last, ...directions];
}
