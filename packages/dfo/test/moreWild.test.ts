/**
 * The benchmark's goals at a smaller size: the Moré–Wild problems with n ≤ 9 (40 of the 53), budget
 * 100(n + 1), from the published starts and from starts the defaults were not chosen on
 * (x0/2 + 0.1). `pnpm bench` prints the full table with NLopt and scipy beside it.
 */
import { describe, expect, it } from 'vitest';
import {
  bestSoFar,
  directSearch,
  moreWildProblems,
  nelderMead,
  type RunTrace,
  solveTimes,
} from '../src/index';

const problems = moreWildProblems().filter((p) => p.n <= 9);

async function shares(start: (x0: Float64Array) => Float64Array) {
  const traces: RunTrace[] = [];
  for (const p of problems) {
    const x0 = start(p.x0);
    const solvers = {
      'direct-search': (f: (x: Float64Array) => number) =>
        directSearch(f, x0, { maxEvaluations: 100 * (p.n + 1), minStep: 1e-12 }),
      'nelder-mead': (f: (x: Float64Array) => number) =>
        nelderMead(f, x0, { maxEvaluations: 100 * (p.n + 1), minStep: 1e-12 }),
    };
    for (const [solver, run] of Object.entries(solvers)) {
      const values: number[] = [];
      await run((x) => {
        const v = p.f(x);
        values.push(Number.isFinite(v) ? v : Number.POSITIVE_INFINITY);
        return v;
      });
      traces.push({
        solver,
        problem: p.name,
        dimension: p.n,
        initialValue: p.f(x0),
        bestSoFar: bestSoFar(values),
      });
    }
  }
  const share = (solver: string, tau: number) => {
    const times = solveTimes(traces, tau);
    let solved = 0;
    for (const row of times.values()) if (Number.isFinite(row.get(solver)!)) solved++;
    return solved / times.size;
  };
  return (tau: number) => ({ ds: share('direct-search', tau), nm: share('nelder-mead', tau) });
}

describe('directSearch on Moré–Wild (n ≤ 9)', () => {
  it.each([
    ['the published starts', (x0: Float64Array) => x0],
    ['held-out starts x0/2 + 0.1', (x0: Float64Array) => x0.map((v) => 0.5 * v + 0.1)],
  ])(
    'from %s: solves ≥ 0.93 at τ = 1e-3 and at least as many as Nelder–Mead at 1e-5 and 1e-7',
    async (_, start) => {
      expect(problems).toHaveLength(40);
      const at = await shares(start);
      expect(at(1e-3).ds).toBeGreaterThanOrEqual(0.93);
      for (const tau of [1e-5, 1e-7]) expect(at(tau).ds).toBeGreaterThanOrEqual(at(tau).nm);
    },
    60_000,
  );
});
