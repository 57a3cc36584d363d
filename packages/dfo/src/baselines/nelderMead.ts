/**
 * Nelder–Mead simplex search (Nelder & Mead 1965) with the standard coefficients of Lagarias,
 * Reeds, Wright & Wright (1998): reflection 1, expansion 2, contraction ½, shrink ½. A baseline for
 * `directSearch` with the same result shape, budgets and failure handling.
 */
import { Evaluator, resolveBudget } from '../_evaluator';
import { checkRun } from '../directSearch';
import { checkKeys, checkNumber, invalid, RUN_KEYS, toVector } from '../errors';
import {
  isSuccess,
  type Objective,
  type RunOptions,
  type SolverResult,
  STOP_MESSAGES,
  type StopReason,
} from '../types';

export interface NelderMeadOptions extends RunOptions {
  /** Edge of the initial simplex along each axis (x0 + step·e_i). @defaultValue 1 */
  initialStep?: number;
  /** Converged when the simplex's largest vertex distance to the best vertex is below this. @defaultValue 1e-8 */
  minStep?: number;
}

/**
 * Minimizes f with the Nelder–Mead simplex method.
 * @example
 * ```ts
 * const r = await nelderMead((x) => (x[0] - 3) ** 2 + x[1] ** 2, [0, 0]); // r.x ≈ [3, 0]
 * ```
 */
export async function nelderMead(
  f: Objective,
  x0In: ArrayLike<number>,
  options: NelderMeadOptions = {},
): Promise<SolverResult> {
  if (typeof f !== 'function') throw invalid('f', 'a function (x) => number', f);
  checkKeys('options', options, [...RUN_KEYS, 'initialStep', 'minStep']);
  const x0 = toVector('x0', x0In);
  checkRun(options);
  const initialStep = options.initialStep ?? 1;
  const minStep = options.minStep ?? 1e-8;
  checkNumber('initialStep', initialStep, { min: 0, minOpen: true });
  checkNumber('minStep', minStep, { min: 0 });
  const n = x0.length;
  const budget = resolveBudget(options, n);
  const ev = new Evaluator(budget, undefined);
  let iteration = 0;
  const evalAt = async (x: Float64Array, phase: 'start' | 'poll') => {
    const copy = Float64Array.from(x);
    return (await ev.evaluate(() => f(copy), { x }, { iteration, phase, stepSize: 0 })).value;
  };
  const target = options.targetValue ?? Number.NEGATIVE_INFINITY;
  const simplex: { x: Float64Array; f: number }[] = [];
  let status: StopReason | undefined;
  for (let i = 0; i <= n && !status; i++) {
    const x = Float64Array.from(x0);
    if (i > 0) x[i - 1]! += initialStep;
    simplex.push({ x, f: await evalAt(x, 'start') });
    status = ev.exhausted();
  }
  const combine = (a: Float64Array, b: Float64Array, t: number) => a.map((ai, i) => ai + t * (b[i]! - ai));
  while (!status) {
    simplex.sort((a, b) => a.f - b.f);
    const best = simplex[0]!;
    if (best.f <= target) {
      status = 'target';
      break;
    }
    let size = 0;
    for (const v of simplex) size = Math.max(size, Math.hypot(...v.x.map((xi, i) => xi - best.x[i]!)));
    if (size < minStep) {
      status = 'min-step';
      break;
    }
    if (iteration >= budget.maxIterations) {
      status = 'max-iterations';
      break;
    }
    iteration++;
    const worst = simplex[n]!;
    const centroid = new Float64Array(n);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i]! += simplex[k]!.x[i]! / n;
    const reflected = combine(centroid, worst.x, -1);
    const fr = await evalAt(reflected, 'poll');
    status = ev.exhausted();
    if (status) break;
    if (fr < best.f) {
      const expanded = combine(centroid, worst.x, -2);
      const fe = await evalAt(expanded, 'poll');
      simplex[n] = fe < fr ? { x: expanded, f: fe } : { x: reflected, f: fr };
    } else if (fr < simplex[n - 1]!.f) {
      simplex[n] = { x: reflected, f: fr };
    } else {
      const outside = fr < worst.f;
      const contracted = combine(centroid, outside ? reflected : worst.x, 0.5);
      const fc = await evalAt(contracted, 'poll');
      if (fc < (outside ? fr : worst.f)) {
        simplex[n] = { x: contracted, f: fc };
      } else {
        for (let k = 1; k <= n; k++) {
          if (ev.exhausted()) break;
          const x = combine(best.x, simplex[k]!.x, 0.5);
          simplex[k] = { x, f: await evalAt(x, 'poll') };
        }
      }
    }
    status ??= ev.exhausted();
    if (!status && (ev.minusInfinity || !simplex.every((v) => v.x.every(Number.isFinite))))
      status = 'diverged';
  }
  simplex.sort((a, b) => a.f - b.f);
  // No vertex ever had a finite value: there is no result, whatever stopped the run.
  if (!Number.isFinite(simplex[0]!.f)) status = 'evaluations-failed';
  const result: SolverResult = {
    x: Float64Array.from(simplex[0]!.x),
    value: simplex[0]!.f,
    success: isSuccess(status),
    status,
    message: STOP_MESSAGES[status],
    evaluations: ev.evaluations,
    iterations: iteration,
    failures: ev.failures,
    elapsedMs: ev.elapsedMs(),
  };
  if (budget.keepHistory) result.history = ev.history;
  return result;
}
