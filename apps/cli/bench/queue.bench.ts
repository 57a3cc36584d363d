/**
 * What the Redis job queue costs and buys on this machine: the queue's overhead per cell (a sweep
 * of tiny cells through the queue against the same sweep computed in process), and cells/s of the
 * default `trainlab grads` sweep (36 cells) with 1 and 2 `trainlab worker` processes against the
 * in-process worker pool (the baseline, measured in the same run). Every queued run must write the
 * data the baseline writes; the benchmark checks it. Needs Debian's `redis-server` (skipped
 * without it). Results go to bench-results/queue.json.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeResults } from '@trainlab/tensor/bench';

const bin = resolve(import.meta.dirname, '..', 'dist', 'cli.js');
if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.log('queue benchmark skipped: no redis-server (apt-get install redis-server)');
  process.exit(0);
}
const port = String(20_000 + Math.floor(Math.random() * 20_000));
const url = `redis://127.0.0.1:${port}`;
const redis = spawn(
  'redis-server',
  ['--port', port, '--bind', '127.0.0.1', '--save', '', '--dir', tmpdir()],
  { stdio: 'ignore' },
);
while (spawnSync('redis-cli', ['-p', port, 'ping']).stdout?.toString().trim() !== 'PONG')
  await new Promise((r) => setTimeout(r, 100));

/** Runs a sweep; returns the sweep's own time (from --json) and the data it wrote. */
function sweep(args: string[], file: string): { ms: number; data: string } {
  const out = mkdtempSync(join(tmpdir(), 'trainlab-queue-bench-'));
  const r = spawnSync(process.execPath, [bin, ...args, '--out', out, '--quiet', '--json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return {
    ms: (JSON.parse(r.stdout) as { counts: { ms: number } }).counts.ms,
    data: readFileSync(join(out, 'data', file), 'utf8'),
  };
}

/** Starts `n` worker processes (one thread each) and waits until every one is taking cells. */
async function workers(n: number): Promise<ChildProcess[]> {
  const procs = Array.from({ length: n }, () =>
    spawn(process.execPath, [bin, 'worker', '--queue', url, '--concurrency', '1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((ready) => {
          let text = '';
          p.stderr!.on('data', (d) => {
            text += String(d);
            if (text.includes('takes cells from')) ready();
          });
        }),
    ),
  );
  return procs;
}
const stop = (procs: ChildProcess[]) => {
  for (const p of procs) p.kill('SIGKILL');
};

// Queue overhead: 240 cells of well under a millisecond of work each.
const tiny = ['signal', '--depth', '1', '--d-model', '8', '--n', '4', '--seeds', '20'];
const local = sweep([...tiny, '--workers', '1'], 'signal.json');
let procs = await workers(1);
const queued = sweep([...tiny, '--queue', url], 'signal.json');
stop(procs);
const cells = 240;
const overheadMs = (queued.ms - local.ms) / cells;
console.log(
  `queue overhead: ${cells} tiny cells in ${(local.ms / 1000).toFixed(2)} s in process, ${(queued.ms / 1000).toFixed(2)} s through the queue (1 worker) → ${overheadMs.toFixed(2)} ms per cell; identical data: ${local.data === queued.data}`,
);

// Throughput on the default grads sweep (36 cells of ~0.2 s).
const cores = availableParallelism();
const grads = ['grads'];
const pool = sweep([...grads, '--workers', String(cores)], 'grads.json');
const rates: Record<string, { ms: number; cellsPerSecond: number; ratio: number; identical: boolean }> = {};
const rate = (ms: number) => 36 / (ms / 1000);
for (const n of [1, 2]) {
  procs = await workers(n);
  const r = sweep([...grads, '--queue', url], 'grads.json');
  stop(procs);
  rates[`${n} worker process${n > 1 ? 'es' : ''}`] = {
    ms: r.ms,
    cellsPerSecond: rate(r.ms),
    ratio: pool.ms / r.ms,
    identical: r.data === pool.data,
  };
}
console.log(
  `trainlab grads (36 cells), cells/s — baseline: the in-process pool of ${cores} threads, ${rate(pool.ms).toFixed(1)} cells/s`,
);
for (const [what, r] of Object.entries(rates)) {
  console.log(
    `  queue, ${what}: ${r.cellsPerSecond.toFixed(1)} cells/s = ${r.ratio.toFixed(2)}× the in-process pool; identical data: ${r.identical}`,
  );
}
redis.kill('SIGTERM');
const file = writeResults(resolve(import.meta.dirname, '..'), 'queue', {
  cores,
  overhead: {
    cells,
    localMs: local.ms,
    queuedMs: queued.ms,
    perCellMs: overheadMs,
    identical: local.data === queued.data,
  },
  grads: { poolMs: pool.ms, poolCellsPerSecond: rate(pool.ms), queued: rates },
});
console.log(`results: ${file}`);
