/**
 * The Moré–Wild benchmark: every solver on the 53 smooth problems with a budget of 100(n + 1)
 * evaluations; prints the share solved at each τ, a data profile at τ = 1e-3, and each solver's
 * own overhead per evaluation (wall time minus time inside the objective). When /usr/bin/python3
 * has NLopt and scipy (Debian's python3-nlopt, python3-scipy), their BOBYQA and Nelder–Mead run in
 * the same table on the same functions (bench/peers.py asks this process for every value).
 * Results go to bench-results/more-wild.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
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
  // The default: quadratic-model search, probabilistic poll, variables scaled from x0.
  'direct-search': (f, x0, maxEvaluations) =>
    directSearch(f, x0, { maxEvaluations, minStep: 1e-12, seed: 1 }),
  // The poll alone, as before the model search (unit steps, no scaling).
  'ds-coordinate (poll only)': (f, x0, maxEvaluations) =>
    directSearch(f, x0, {
      maxEvaluations,
      minStep: 1e-12,
      search: 'none',
      scale: 'none',
      pollSet: 'coordinate',
    }),
  'ds-probabilistic (poll only)': (f, x0, maxEvaluations) =>
    directSearch(f, x0, {
      maxEvaluations,
      minStep: 1e-12,
      search: 'none',
      scale: 'none',
      pollSet: 'probabilistic',
      seed: 1,
    }),
  'nelder-mead': (f, x0, maxEvaluations) => nelderMead(f, x0, { maxEvaluations, minStep: 1e-12 }),
};

const problems = moreWildProblems();
const taus = [1e-1, 1e-3, 1e-5, 1e-7];
const traces: RunTrace[] = [];
const overhead: Record<string, { wallMs: number; objectiveMs: number; evaluations: number }> = {};
for (const problem of problems) {
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

/** The peers' runs, when this machine's Python has them; the µs of overhead they report per evaluation. */
const peerOverhead: Record<string, number[]> = {};
const python = '/usr/bin/python3';
const hasPeers = spawnSync(python, ['-c', 'import nlopt, scipy'], { stdio: 'ignore' }).status === 0;
if (hasPeers) {
  const dir = mkdtempSync(join(tmpdir(), 'trainlab-peers-'));
  const jobs = join(dir, 'jobs.json');
  writeFileSync(
    jobs,
    JSON.stringify(problems.map((p, i) => ({ problem: i, x0: Array.from(p.x0), budget: 100 * (p.n + 1) }))),
  );
  // One thread and the AVX-512 kernels, as measured fastest here (see the root README).
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawn(python, [resolve(import.meta.dirname, 'peers.py'), jobs], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let values: number[] = [];
  let current: { solver: string; problem: number } | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const [tag, ...rest] = line.split(' ');
    if (tag === 'E') {
      const p = problems[Number(rest[0])]!;
      const v = p.f(Float64Array.from(rest.slice(1), Number));
      values.push(Number.isFinite(v) ? v : Number.POSITIVE_INFINITY);
      child.stdin.write(`${Number.isFinite(v) ? v : 'inf'}\n`);
    } else if (tag === 'S') {
      current = { solver: rest[0]!, problem: Number(rest[1]) };
      values = [];
    } else if (tag === 'T' && current) {
      const p = problems[current.problem]!;
      peerOverhead[current.solver] ??= [];
      peerOverhead[current.solver]!.push(Number(rest[2]));
      traces.push({
        solver: current.solver,
        problem: p.name,
        dimension: p.n,
        initialValue: p.f(p.x0),
        bestSoFar: bestSoFar(values.slice(0, 100 * (p.n + 1))),
      });
    }
  }
} else {
  console.log(
    `(${python} has no nlopt and scipy: apt-get install python3-nlopt python3-scipy to compare with them)\n`,
  );
}
const solverNames = [...new Set(traces.map((t) => t.solver))];

console.log('Moré–Wild smooth problems (53), budget 100(n+1) evaluations: share solved');
console.log(
  `${'solver'.padEnd(30)}${taus.map((t) => `τ=${t.toExponential(0)}`.padStart(10)).join('')}   overhead µs/eval`,
);
const shares: Record<string, number[]> = {};
for (const name of solverNames) {
  shares[name] = taus.map((tau) => {
    const times = solveTimes(traces, tau);
    let solved = 0;
    for (const row of times.values())
      if (Number.isFinite(row.get(name) ?? Number.POSITIVE_INFINITY)) solved++;
    return solved / times.size;
  });
  const o = overhead[name];
  const peer = peerOverhead[name];
  const us = o
    ? ((o.wallMs - o.objectiveMs) * 1000) / o.evaluations
    : peer
      ? peer.reduce((a, b) => a + b, 0) / peer.length
      : Number.NaN;
  console.log(
    `${name.padEnd(30)}${shares[name]!.map((s) => s.toFixed(2).padStart(10)).join('')}   ${us.toFixed(2).padStart(10)}`,
  );
}
const kappas = [1, 5, 10, 20, 50, 100];
const profile = dataProfile(traces, 1e-3, kappas);
console.log(
  `\ndata profile, τ = 1e-3 (share solved within κ simplex gradients)\n${'solver'.padEnd(30)}${kappas.map((k) => `κ=${k}`.padStart(8)).join('')}`,
);
for (const s of profile.series)
  console.log(`${s.solver.padEnd(30)}${s.y.map((v) => v.toFixed(2).padStart(8)).join('')}`);

const dir = resolve(import.meta.dirname, '..', 'bench-results');
mkdirSync(dir, { recursive: true });
const file = resolve(dir, 'more-wild.json');
writeFileSync(file, `${JSON.stringify({ taus, shares, overhead, peerOverhead, profile }, null, 2)}\n`);
console.log(`\nresults: ${file}`);
