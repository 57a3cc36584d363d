/**
 * The Moré–Wild benchmark: every solver on the 53 smooth problems with a budget of 100(n + 1)
 * evaluations; prints the share solved at each τ, a data profile at τ = 1e-3, and each solver's
 * own overhead per evaluation (wall time minus time inside the objective). When /usr/bin/python3
 * has NLopt and scipy (Debian's python3-nlopt, python3-scipy), their BOBYQA and Nelder–Mead run in
 * the same table on the same functions (bench/peers.py asks this process for every value).
 * Two tables: from the published starts, and from held-out starts (x0/2 + 0.1) the defaults were
 * never tuned on. Results go to bench-results/more-wild.json.
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
/**
 * Two sets of starts: the published ones, and held-out ones the defaults were never tuned on
 * (x0/2 + 0.1: every coordinate moves, zeros included). Each has its own table: f_L is per start.
 */
const starts: { label: string; move: (x0: Float64Array) => Float64Array }[] = [
  { label: 'published starts x0', move: (x0) => x0 },
  { label: 'held-out starts x0/2 + 0.1', move: (x0) => x0.map((v) => 0.5 * v + 0.1) },
];
/** Every (start set, problem) pair: peers.py is told the job's index, and values come from its problem. */
const jobs = starts.flatMap((start, s) =>
  problems.map((problem) => ({ start: s, problem, x0: start.move(problem.x0) })),
);
const traces: RunTrace[][] = starts.map(() => []);
const overhead: Record<string, { wallMs: number; objectiveMs: number; evaluations: number }> = {};
for (const job of jobs) {
  const { problem, x0 } = job;
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
    await solve(f, x0, budget);
    const wallMs = performance.now() - t0;
    overhead[name] ??= { wallMs: 0, objectiveMs: 0, evaluations: 0 };
    const o = overhead[name];
    o.wallMs += wallMs;
    o.objectiveMs += objectiveMs;
    o.evaluations += values.length;
    traces[job.start]!.push({
      solver: name,
      problem: problem.name,
      dimension: problem.n,
      initialValue: problem.f(x0),
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
  const file = join(dir, 'jobs.json');
  writeFileSync(
    file,
    JSON.stringify(
      jobs.map((j, i) => ({ problem: i, x0: Array.from(j.x0), budget: 100 * (j.problem.n + 1) })),
    ),
  );
  // One thread and the AVX-512 kernels, as measured fastest here (see the root README).
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawn(python, [resolve(import.meta.dirname, 'peers.py'), file], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let values: number[] = [];
  let current: { solver: string; job: number } | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const [tag, ...rest] = line.split(' ');
    if (tag === 'E') {
      const p = jobs[Number(rest[0])]!.problem;
      const v = p.f(Float64Array.from(rest.slice(1), Number));
      values.push(Number.isFinite(v) ? v : Number.POSITIVE_INFINITY);
      child.stdin.write(`${Number.isFinite(v) ? v : 'inf'}\n`);
    } else if (tag === 'S') {
      current = { solver: rest[0]!, job: Number(rest[1]) };
      values = [];
    } else if (tag === 'T' && current) {
      const job = jobs[current.job]!;
      peerOverhead[current.solver] ??= [];
      peerOverhead[current.solver]!.push(Number(rest[2]));
      traces[job.start]!.push({
        solver: current.solver,
        problem: job.problem.name,
        dimension: job.problem.n,
        initialValue: job.problem.f(job.x0),
        bestSoFar: bestSoFar(values.slice(0, 100 * (job.problem.n + 1))),
      });
    }
  }
} else {
  console.log(
    `(${python} has no nlopt and scipy: apt-get install python3-nlopt python3-scipy to compare with them)\n`,
  );
}
const solverNames = [...new Set(traces[0]!.map((t) => t.solver))];
const overheadUs = (name: string) => {
  const o = overhead[name];
  const peer = peerOverhead[name];
  return o
    ? ((o.wallMs - o.objectiveMs) * 1000) / o.evaluations
    : peer
      ? peer.reduce((a, b) => a + b, 0) / peer.length
      : Number.NaN;
};

const shares: Record<string, Record<string, number[]>> = {};
const profiles: Record<string, ReturnType<typeof dataProfile>> = {};
const kappas = [1, 5, 10, 20, 50, 100];
for (const [s, start] of starts.entries()) {
  console.log(`\nMoré–Wild smooth problems (53), ${start.label}, budget 100(n+1) evaluations: share solved`);
  console.log(
    `${'solver'.padEnd(30)}${taus.map((t) => `τ=${t.toExponential(0)}`.padStart(10)).join('')}${s === 0 ? '   overhead µs/eval' : ''}`,
  );
  shares[start.label] = {};
  for (const name of solverNames) {
    const row = taus.map((tau) => {
      const times = solveTimes(traces[s]!, tau);
      let solved = 0;
      for (const r of times.values()) if (Number.isFinite(r.get(name) ?? Number.POSITIVE_INFINITY)) solved++;
      return solved / times.size;
    });
    shares[start.label]![name] = row;
    const us = s === 0 ? overheadUs(name).toFixed(2).padStart(10) : '';
    console.log(`${name.padEnd(30)}${row.map((v) => v.toFixed(2).padStart(10)).join('')}   ${us}`);
  }
  const profile = dataProfile(traces[s]!, 1e-3, kappas);
  profiles[start.label] = profile;
  console.log(
    `\ndata profile, τ = 1e-3 (share solved within κ simplex gradients)\n${'solver'.padEnd(30)}${kappas.map((k) => `κ=${k}`.padStart(8)).join('')}`,
  );
  for (const series of profile.series)
    console.log(`${series.solver.padEnd(30)}${series.y.map((v) => v.toFixed(2).padStart(8)).join('')}`);
}
console.log('\n(overhead: wall time outside the objective per evaluation, over both start sets)');

const dir = resolve(import.meta.dirname, '..', 'bench-results');
mkdirSync(dir, { recursive: true });
const out = resolve(dir, 'more-wild.json');
writeFileSync(out, `${JSON.stringify({ taus, shares, overhead, peerOverhead, profiles }, null, 2)}\n`);
console.log(`\nresults: ${out}`);
