/**
 * Wall-time speedup from the worker pools on this machine: a default sweep (`trainlab grads`,
 * 36 cells) with 1 worker against one per core, and a direct-search run whose objective takes
 * 20 ms per call, polled serially against on one worker thread per core. Both parallel runs must
 * return exactly what the serial ones do; the benchmark checks it. Run `pnpm bench` here (it builds
 * the CLI first); results go to bench-results/parallel.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { directSearch } from '@trainlab/dfo';
import { workerObjective } from '@trainlab/dfo/workers';
import { writeResults } from '@trainlab/tensor/bench';

const cores = availableParallelism();
const bin = resolve(import.meta.dirname, '..', 'dist', 'cli.js');

/** One run of the CLI: total wall time, the sweep's own time, and the data it wrote. */
function sweep(workers: number): { ms: number; sweepMs: number; data: string } {
  const out = mkdtempSync(join(tmpdir(), 'trainlab-bench-'));
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [bin, 'grads', '--out', out, '--workers', String(workers), '--quiet', '--json'],
    {
      encoding: 'utf8',
    },
  );
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(r.stderr);
  const sweepMs = (JSON.parse(r.stdout) as { counts: { ms: number } }).counts.ms;
  return { ms, sweepMs, data: readFileSync(join(out, 'data', 'grads.json'), 'utf8') };
}

console.log(`machine: ${cores} cores`);
const serial = sweep(1);
const parallel = sweep(cores);
const sweepSpeedup = serial.sweepMs / parallel.sweepMs;
const wallSpeedup = serial.ms / parallel.ms;
console.log(
  `trainlab grads (36 cells): the sweep ${(serial.sweepMs / 1000).toFixed(1)} s on 1 worker, ${(parallel.sweepMs / 1000).toFixed(1)} s on ${cores} ` +
    `→ ${sweepSpeedup.toFixed(2)}× (goal ≥ 1.7× on 2 cores); the whole command (start-up, figures) ${(serial.ms / 1000).toFixed(1)} s → ` +
    `${(parallel.ms / 1000).toFixed(1)} s, ${wallSpeedup.toFixed(2)}×; identical data: ${serial.data === parallel.data}`,
);

const module = join(mkdtempSync(join(tmpdir(), 'trainlab-bench-')), 'slow.mjs');
writeFileSync(
  module,
  'export default (x) => { const end = performance.now() + 20; while (performance.now() < end); return x.reduce((s, v, i) => s + (i + 1) * (v - 1) ** 2, 0); };\n',
);
const f = (await import(module)).default as (x: Float64Array) => number;
const options = { polling: 'complete', pollSet: 'coordinate', maxEvaluations: 96 } as const;
const x0 = [0, 0, 0, 0];
let t = performance.now();
const one = await directSearch(f, x0, options);
const serialPollMs = performance.now() - t;
const pool = workerObjective(module, { workers: cores });
await pool.objective(Float64Array.from(x0)); // the pool is warm before timing
t = performance.now();
const many = await directSearch(pool.objective, x0, { ...options, concurrency: cores });
const parallelPollMs = performance.now() - t;
await pool.close();
const pollSpeedup = serialPollMs / parallelPollMs;
console.log(
  `direct search, 20 ms objective, 96 evaluations (8 poll points per iteration): serial ${(serialPollMs / 1000).toFixed(2)} s, ` +
    `${cores} worker threads ${(parallelPollMs / 1000).toFixed(2)} s → ${pollSpeedup.toFixed(2)}×; identical iterates: ${
      Array.from(one.x).join() === Array.from(many.x).join() && one.evaluations === many.evaluations
    }`,
);

const file = writeResults(resolve(import.meta.dirname, '..'), 'parallel', {
  cores,
  sweep: {
    serialMs: serial.sweepMs,
    parallelMs: parallel.sweepMs,
    speedup: sweepSpeedup,
    wallSpeedup,
    identical: serial.data === parallel.data,
  },
  poll: { serialMs: serialPollMs, parallelMs: parallelPollMs, speedup: pollSpeedup },
});
console.log(`results: ${file}`);
