/**
 * What direct search on a deterministic objective keeps of its evaluations: a cache of every point
 * it evaluated (a poll that comes back to a point reads its value instead of paying for it again),
 * and the quadratic-model search step built from the cached points nearest the current iterate
 * (see `model.ts`): the model's minimizer in a ball of radius ~α is tried before the poll, and the
 * model's gradient orders the poll. The poll keeps the method's convergence theory: a search point
 * is accepted only by the same sufficient-decrease test.
 */
import { fitQuadratic, modelValue, type QuadraticModel, trustRegionStep } from './model';

/** Options of the quadratic-model search step. */
export interface ModelSearchOptions {
  /**
   * The first trust radius of the model step (in the scaled variables, like α). Later radii follow
   * the usual trust-region rule: doubled after a step whose decrease the model predicted well
   * (ratio ≥ 0.7), halved after a poor one (< 0.1), and never below the poll's step size α.
   * @defaultValue 2
   */
  radius?: number;
  /**
   * Model steps an iteration tries before it polls. After a failed one the trust radius has shrunk
   * (ratio test) and the failed point joins the next model, so the next step is a new one; the
   * poll comes when they all fail.
   * @defaultValue 4 (measured on Moré–Wild at 100(n + 1) and on the same functions from other
   * starts, 2x0 and x0/2 shifted: 3 and 4 beat 1 at every τ ≤ 10⁻³ on all three; 6 and 10 did not)
   */
  tries?: number;
  /** Only for problems of at most this many variables (each step solves a dense system of size ~n²/2). @defaultValue 50 */
  maxDimension?: number;
}

/**
 * Cached points: exact values of a deterministic objective, by point. Each point carries the order
 * in which its evaluation was launched (not finished), so that models built from the cache are the
 * same whether evaluations ran one at a time or several at once.
 */
export class PointCache {
  private readonly byKey = new Map<string, number>();
  /** Points with finite values and their launch order, sorted by it (what models are built from). */
  readonly points: Float64Array[] = [];
  readonly values: number[] = [];
  readonly order: number[] = [];
  private launched = 0;

  static key(z: ArrayLike<number>): string {
    return Array.prototype.join.call(z, ',');
  }

  get(z: ArrayLike<number>): number | undefined {
    return this.byKey.get(PointCache.key(z));
  }

  /** A ticket for an evaluation about to start: pass it to `set` with its value. */
  ticket(): number {
    return this.launched++;
  }

  set(z: Float64Array, value: number, ticket: number): void {
    const key = PointCache.key(z);
    if (this.byKey.has(key)) return;
    this.byKey.set(key, value);
    if (!Number.isFinite(value)) return;
    // Kept sorted by ticket (evaluations finish out of order only within one concurrent batch, so
    // this walks back a few places at most), so that `nearest` finds its window by bisection.
    let at = this.order.length;
    while (at > 0 && this.order[at - 1]! > ticket) at--;
    this.points.splice(at, 0, Float64Array.from(z));
    this.values.splice(at, 0, value);
    this.order.splice(at, 0, ticket);
  }

  /** The index of the first stored point launched at or after `ticket`. */
  firstSince(ticket: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.order[mid]! < ticket) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Evaluations launched so far. */
  get size(): number {
    return this.launched;
  }
}

/** The cached points nearest `center` (at most `count`, among the `window` launched last), as steps from it. */
function nearest(
  cache: PointCache,
  center: Float64Array,
  count: number,
  window: number,
): { steps: Float64Array[]; values: number[] } {
  const candidates: { d: number; k: number; t: number }[] = [];
  // Only the window is scanned: a long run's cache is never walked whole.
  for (let k = cache.firstSince(cache.size - window); k < cache.points.length; k++) {
    const t = cache.order[k]!;
    const p = cache.points[k]!;
    let d = 0;
    for (let i = 0; i < center.length; i++) d += (p[i]! - center[i]!) ** 2;
    if (d > 0) candidates.push({ d, k, t });
  }
  // Ties by launch order: the same points whatever order evaluations finished in.
  candidates.sort((a, b) => a.d - b.d || a.t - b.t);
  const chosen = candidates.slice(0, count);
  return {
    steps: chosen.map(({ k }) => cache.points[k]!.map((v, i) => v - center[i]!)),
    values: chosen.map(({ k }) => cache.values[k]!),
  };
}

/** The model search of one run: proposes the model's trust-region minimizer, remembers the model for the poll order. */
export class ModelSearch {
  private readonly maxDimension: number;
  /** Model steps per iteration before the poll. */
  readonly tries: number;
  /** The trust radius (in z): grown after steps the model predicted well, cut after poor ones; never below α. */
  private delta: number;
  /** The last trial, its predicted decrease and the value it was compared with. */
  private pending: { trial: Float64Array; predicted: number; base: number; length: number } | undefined;
  /** The last model and its center: the poll orders its directions by the model's slope. */
  model: { center: Float64Array; m: QuadraticModel } | undefined;
  /** The last model built (of any center): least-change updates start from it. */
  private previous: { center: Float64Array; m: QuadraticModel } | undefined;

  constructor(
    private readonly cache: PointCache,
    options: ModelSearchOptions = {},
  ) {
    this.delta = options.radius ?? 2;
    this.maxDimension = options.maxDimension ?? 50;
    this.tries = options.tries ?? 4;
  }

  /** Updates the trust radius from how well the last trial's decrease was predicted. */
  private learn(): void {
    const last = this.pending;
    this.pending = undefined;
    if (!last) return;
    const value = this.cache.get(last.trial);
    if (value === undefined) return;
    const ratio = Number.isFinite(value) ? (last.base - value) / last.predicted : Number.NEGATIVE_INFINITY;
    if (ratio >= 0.7) this.delta = Math.max(this.delta, 2 * last.length);
    else if (ratio < 0.1) this.delta = 0.5 * last.length;
  }

  /** The trial point for an iterate, or none when the cache cannot support a model yet. */
  propose(center: Float64Array, value: number, step: number): Float64Array[] {
    this.learn();
    this.model = undefined;
    const n = center.length;
    if (n > this.maxDimension) return [];
    const full = ((n + 1) * (n + 2)) / 2;
    const { steps, values } = nearest(this.cache, center, full - 1, 50 * full);
    if (steps.length < n + 1) return [];
    const m = this.fit(center, value, steps, values);
    if (!m) return [];
    this.model = { center: Float64Array.from(center), m };
    this.previous = this.model;
    this.delta = Math.max(this.delta, step);
    const s = trustRegionStep(m, this.delta);
    const length = Math.hypot(...s);
    // A step far shorter than the poll's says nothing the poll would not: skip it.
    if (!(length > 1e-3 * step)) return [];
    const predicted = -modelValue(m, s);
    if (!(predicted > 0)) return [];
    const trial = center.map((v, i) => v + s[i]!);
    if (this.cache.get(trial) !== undefined) return [];
    this.pending = { trial, predicted, base: value, length };
    return [trial];
  }

  /**
   * The model at `center`: the previous model moved here plus the minimum-Frobenius-norm
   * correction that makes it interpolate the points (least change, ‖H − H_prev‖_F minimal: Powell's
   * NEWUOA update, Powell 2004), or the minimum-Frobenius-norm model itself for the first one.
   * Curvature learnt from earlier points is kept where the current points say nothing about it, so
   * models near a minimizer carry the Hessian a full quadratic would need (n + 1)(n + 2)/2 nearby
   * points for (Moré–Wild, share solved at τ = 10⁻⁷, mean over the starts x0, 2x0, x0/2 + 0.1: 0.70 →
   * 0.72 with this alone, 0.93 with the α rule of `_player.ts` too; a one-off comparison, not in
   * `pnpm bench`, which prints the final defaults).
   * The center's own value is the model's constant: it interpolates differences f_j − f(center).
   */
  private fit(
    center: Float64Array,
    value: number,
    steps: Float64Array[],
    values: number[],
  ): QuadraticModel | undefined {
    const n = center.length;
    const origin = new Float64Array(n);
    const prev = this.previous;
    if (prev) {
      const shift = center.map((v, i) => v - prev.center[i]!);
      const base = modelValue(prev.m, shift);
      const residual = values.map((v, j) => {
        const moved = steps[j]!.map((sv, i) => sv + shift[i]!);
        return v - value - (modelValue(prev.m, moved) - base);
      });
      const dm = fitQuadratic([origin, ...steps], [0, ...residual]);
      if (dm) {
        const g = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let acc = prev.m.g[i]! + dm.g[i]!;
          for (let j = 0; j < n; j++) acc += prev.m.H[i * n + j]! * shift[j]!;
          g[i] = acc;
        }
        const H = prev.m.H.map((h, k) => h + dm.H[k]!);
        if (g.every(Number.isFinite) && H.every(Number.isFinite)) return { c: dm.c, g, H };
      }
    }
    return fitQuadratic([origin, ...steps], [0, ...values.map((v) => v - value)]);
  }

  /** Poll directions, steepest model descent first (when the model is of this center). */
  order(directions: Float64Array[], center: Float64Array): Float64Array[] | undefined {
    const model = this.model;
    if (!model?.center.every((v, i) => v === center[i])) return undefined;
    const slope = (d: Float64Array) => {
      let acc = 0;
      for (let i = 0; i < d.length; i++) acc += d[i]! * model.m.g[i]!;
      return acc / (Math.hypot(...d) || 1);
    };
    const sorted = directions
      .map((d) => ({ d, s: slope(d) }))
      .sort((a, b) => a.s - b.s)
      .map(({ d }) => d);
    return sorted;
  }
}
