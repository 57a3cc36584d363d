/**
 * The Moré–Wild benchmark: every solver on the 53 smooth problems with a budget of 100(n + 1)
 * evaluations; prints the share solved at each τ, a data profile at τ = 1e-3, and each solver's
 * own overhead per evaluation (wall time minus time inside the objective). Results go to
 * bench-results/more-wild.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  bestSoFar,
  dataProfile,
  directSearch,
  moreWildProblems,
  nelderMead,
  type RunTrace,
  type SolverResult,
  solveTimes,
} from '../src/index';

type Solver = (
  f: (x: Float64Array) => number,
  x0: Float64Array,
  maxEvaluations: number,
) => Promise<SolverResult>;
const solvers: Record<string, Solver> = {
  'ds-coordinate': (f, x0, maxEvaluations) => directSearch(f, x0, { maxEvaluations, minStep: 1e-12 }),
  'ds-random-orthogonal': (f, x0, maxEvaluations) =>
    directSearch(f, x0, { pollSet: 'random-orthogonal', maxEvaluations, minStep: 1e-12, seed: 1 }),
  'ds-probabilistic': (f, x0, maxEvaluations) =>
    directSearch(f, x0, { pollSet: 'probabilistic', maxEvaluations, minStep: 1e-12, seed: 1 }),
  'nelder-mead': (f, x0, maxEvaluations) => nelderMead(f, x0, { maxEvaluations, minStep: 1e-12 }),
};

const taus = [1e-1, 1e-3, 1e-5, 1e-7];
const traces: RunTrace[] = [];
const overhead: Record<string, { wallMs: number; objectiveMs: number; evaluations: number }> = {};
for (const problem of moreWildProblems()) {
  const budget = 100 * (problem.n + 1);
  for (const [name, solve] of Object.entries(solvers)) {
    const values: number[] = [];
    let objectiveMs = 0;
    const f = (x: Float64Array) => {
      const t = performance.now();
      const v = problem.f(x);
      objectiveMs += performance.now() - t;
      values.push(Number.isFinite(v) ? v : Number.POSITIVE_INFINITY);
      return v;
    };
    const t0 = performance.now();
    await solve(f, problem.x0, budget);
    const wallMs = performance.now() - t0;
    overhead[name] ??= { wallMs: 0, objectiveMs: 0, evaluations: 0 };
    const o = overhead[name];
    o.wallMs += wallMs;
    o.objectiveMs += objectiveMs;
    o.evaluations += values.length;
    traces.push({
      solver: name,
      problem: problem.name,
      dimension: problem.n,
      initialValue: problem.f(problem.x0),
      bestSoFar: bestSoFar(values),
    });
  }
}

console.log('Moré–Wild smooth problems (53), budget 100(n+1) evaluations: share solved');
console.log(
  `${'solver'.padEnd(24)}${taus.map((t) => `τ=${t.toExponential(0)}`.padStart(10)).join('')}   overhead µs/eval`,
);
const shares: Record<string, number[]> = {};
for (const name of Object.keys(solvers)) {
  shares[name] = taus.map((tau) => {
    const times = solveTimes(traces, tau);
    let solved = 0;
    for (const row of times.values())
      if (Number.isFinite(row.get(name) ?? Number.POSITIVE_INFINITY)) solved++;
    return solved / times.size;
  });
  const o = overhead[name]!;
  const us = ((o.wallMs - o.objectiveMs) * 1000) / o.evaluations;
  console.log(
    `${name.padEnd(24)}${shares[name]!.map((s) => s.toFixed(2).padStart(10)).join('')}   ${us.toFixed(2).padStart(10)}`,
  );
}
const kappas = [1, 5, 10, 20, 50, 100];
const profile = dataProfile(traces, 1e-3, kappas);
console.log(
  `\ndata profile, τ = 1e-3 (share solved within κ simplex gradients)\n${'solver'.padEnd(24)}${kappas.map((k) => `κ=${k}`.padStart(8)).join('')}`,
);
for (const s of profile.series)
  console.log(`${s.solver.padEnd(24)}${s.y.map((v) => v.toFixed(2).padStart(8)).join('')}`);

const dir = resolve(import.meta.dirname, '..', 'bench-results');
mkdirSync(dir, { recursive: true });
const file = resolve(dir, 'more-wild.json');
writeFileSync(file, `${JSON.stringify({ taus, shares, overhead, profile }, null, 2)}\n`);
console.log(`\nresults: ${file}`);
