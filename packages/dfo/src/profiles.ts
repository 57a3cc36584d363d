/**
 * Data and performance profiles (Moré & Wild 2009; Dolan & Moré 2002) with the Moré–Wild
 * convergence test: a run solves problem p at tolerance τ once
 *
 *     f(x0) − f(x) ≥ (1 − τ)(f(x0) − f_L),
 *
 * where f_L is the smallest value any compared solver reached on p within the budget.
 */
import { checkNumber, invalid } from './errors';

/** One solver's run on one problem: the best value found after each evaluation. */
export interface RunTrace {
  solver: string;
  problem: string;
  /** n of the problem (budgets are counted in simplex gradients, n + 1 evaluations). */
  dimension: number;
  /** f(x0). */
  initialValue: number;
  /** bestSoFar[k] = the smallest value among evaluations 1…k+1. */
  bestSoFar: ArrayLike<number>;
}

/** Builds the best-so-far sequence from the values of a run's evaluations in order (failures as +∞). */
export function bestSoFar(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (v < best) best = v;
    out[k] = best;
  }
  return out;
}

/**
 * Evaluations each run needed to pass the convergence test at `tau` (∞ when it never did),
 * indexed [problem][solver].
 */
export function solveTimes(traces: readonly RunTrace[], tau: number): Map<string, Map<string, number>> {
  checkNumber('tau', tau, { min: 0, max: 1, minOpen: true, maxOpen: true });
  const byProblem = new Map<string, RunTrace[]>();
  for (const t of traces) byProblem.set(t.problem, [...(byProblem.get(t.problem) ?? []), t]);
  const out = new Map<string, Map<string, number>>();
  for (const [problem, runs] of byProblem) {
    let fL = Number.POSITIVE_INFINITY;
    for (const r of runs) if (r.bestSoFar.length > 0) fL = Math.min(fL, r.bestSoFar[r.bestSoFar.length - 1]!);
    const row = new Map<string, number>();
    for (const r of runs) {
      const goal = r.initialValue - (1 - tau) * (r.initialValue - fL);
      let t = Number.POSITIVE_INFINITY;
      // f(x0) − f(x) ≥ (1 − τ)(f(x0) − f_L)  ⇔  f(x) ≤ goal; a problem where no solver improved is unsolved.
      if (fL < r.initialValue) {
        for (let k = 0; k < r.bestSoFar.length; k++) {
          if (r.bestSoFar[k]! <= goal) {
            t = k + 1;
            break;
          }
        }
      }
      row.set(r.solver, t);
    }
    out.set(problem, row);
  }
  return out;
}

/** The x axis of a data profile: simplex gradients κ. */
export const DATA_PROFILE_X_LABEL = 'simplex gradients κ (budget κ·(n+1) evaluations)';

/** A figure described by data, to be drawn by any plotting tool. */
export interface ProfileFigure {
  kind: 'data-profile' | 'performance-profile';
  tau: number;
  xLabel: string;
  yLabel: string;
  /** x values shared by every series. */
  x: number[];
  series: { solver: string; y: number[] }[];
}

/**
 * Data profile d_s(κ): the share of problems solver s solves within κ(n_p + 1) evaluations, for each κ.
 * @example
 * ```ts
 * const fig = dataProfile(traces, 1e-3, [0, 10, 20, 50, 100]);
 * fig.series[0].y; // shares in [0, 1], non-decreasing in κ
 * ```
 */
export function dataProfile(
  traces: readonly RunTrace[],
  tau: number,
  kappas: readonly number[],
): ProfileFigure {
  checkAxis('kappas', kappas);
  const times = solveTimes(traces, tau);
  const dims = new Map(traces.map((t) => [t.problem, t.dimension]));
  const solvers = [...new Set(traces.map((t) => t.solver))];
  const problems = [...times.keys()];
  return {
    kind: 'data-profile',
    tau,
    xLabel: DATA_PROFILE_X_LABEL,
    yLabel: 'share of problems solved',
    x: [...kappas],
    series: solvers.map((s) => ({
      solver: s,
      y: kappas.map(
        (k) =>
          problems.filter((p) => (times.get(p)?.get(s) ?? Number.POSITIVE_INFINITY) <= k * (dims.get(p)! + 1))
            .length / problems.length,
      ),
    })),
  };
}

/**
 * Performance profile ρ_s(a): the share of problems where t_{p,s} ≤ a · min_s t_{p,s}, for each ratio a ≥ 1.
 */
export function performanceProfile(
  traces: readonly RunTrace[],
  tau: number,
  ratios: readonly number[],
): ProfileFigure {
  checkAxis('ratios', ratios);
  if (ratios.some((a) => a < 1)) throw invalid('ratios', 'numbers ≥ 1', ratios);
  const times = solveTimes(traces, tau);
  const solvers = [...new Set(traces.map((t) => t.solver))];
  const problems = [...times.keys()];
  return {
    kind: 'performance-profile',
    tau,
    xLabel: 'performance ratio a',
    yLabel: 'share of problems with t ≤ a·t_best',
    x: [...ratios],
    series: solvers.map((s) => ({
      solver: s,
      y: ratios.map((a) => {
        let count = 0;
        for (const p of problems) {
          const row = times.get(p)!;
          const best = Math.min(...row.values());
          const t = row.get(s) ?? Number.POSITIVE_INFINITY;
          if (Number.isFinite(t) && t <= a * best) count++;
        }
        return count / problems.length;
      }),
    })),
  };
}

function checkAxis(param: string, values: readonly number[]): void {
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw invalid(param, 'a non-empty array of finite numbers ≥ 0', values);
  }
}
