/**
 * Sweeps over a real Redis queue with real processes: a coordinator and `trainlab worker`s as child
 * processes, faults injected on purpose (a worker SIGKILLed mid-cell, the coordinator killed and
 * rerun, Redis restarted mid-sweep, a cell that throws, a worker on another backend, a malformed
 * job), and the final data compared with a serial run.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, storedCells, trainlab } from './run';

const tmp = () => mkdtempSync(join(tmpdir(), 'trainlab-queue-'));
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI)
  throw new Error('redis-server is missing: .ci/run installs it (apt-get install redis-server)');

const PORT = 20_000 + Math.floor(Math.random() * 20_000);
/** The test Redis asks for a password: no log, store or report may ever show it. */
const PASSWORD = 'hunter2-queue-secret';
const URL = `redis://:${PASSWORD}@127.0.0.1:${PORT}`;
const redisDir = tmp();
let redis: ChildProcess | undefined;

function startRedis(): Promise<void> {
  // Append-only persistence, so a restart keeps the queue (as a production Redis would).
  redis = spawn(
    'redis-server',
    [
      '--port',
      String(PORT),
      '--bind',
      '127.0.0.1',
      '--dir',
      redisDir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--requirepass',
      PASSWORD,
    ],
    {
      stdio: 'ignore',
    },
  );
  return waitFor(
    () =>
      spawnSync('redis-cli', ['-p', String(PORT), '-a', PASSWORD, '--no-auth-warning', 'ping'])
        .stdout?.toString()
        .trim() === 'PONG',
  );
}

async function stopRedis(): Promise<void> {
  if (!redis) return;
  const exited = new Promise((r) => redis!.once('exit', r));
  redis.kill('SIGTERM');
  await exited;
  redis = undefined;
}

function redisCli(...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(PORT), '-a', PASSWORD, '--no-auth-warning', ...args], {
    encoding: 'utf8',
  }).trim();
}

async function waitFor(ok: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A tiny sweep: 8 cells. */
const SWEEP = ['signal', '--depth', '2', '--d-model', '8', '--n', '4', '--seeds', '2', '--norms', 'post'];
const CELLS = 8;
const KEY = 'post · α=1 · MLP · seed 1';

interface Proc {
  child: ChildProcess;
  out: string[];
  exit: Promise<number>;
}

function run(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout!.on('data', (d) => out.push(String(d)));
  child.stderr!.on('data', (d) => out.push(String(d)));
  const exit = new Promise<number>((r) =>
    child.once('exit', (code, signal) => r(code ?? (signal ? 128 : -1))),
  );
  return { child, out, exit };
}

const workers: Proc[] = [];
/** Every process a test started, killed after it whatever happened. */
const started: Proc[] = [];
function worker(env: Record<string, string> = {}, extra: string[] = []): Proc {
  const w = run(['worker', '--queue', URL, '--concurrency', '1', ...extra], env);
  workers.push(w);
  return w;
}
async function stopWorkers(): Promise<void> {
  for (const w of workers.splice(0)) {
    w.child.kill('SIGKILL');
    await w.exit;
  }
}
async function stopAll(): Promise<void> {
  workers.length = 0;
  for (const p of started.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exit;
  }
}

function dataOf(out: string): unknown {
  return JSON.parse(readFileSync(join(out, 'data', 'signal.json'), 'utf8'));
}

function keysOf(out: string): string[] {
  const db = new Database(join(out, 'runs.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT key FROM cells').all() as { key: string }[]).map((r) => r.key);
  } finally {
    db.close();
  }
}

describe.skipIf(!hasRedis)('sweeps over a Redis queue', () => {
  let serial: string;
  beforeAll(async () => {
    await startRedis();
    serial = tmp();
    expect(trainlab([...SWEEP, '--out', serial, '--workers', '1']).code).toBe(0);
  });
  afterEach(async () => {
    // Whatever a process printed, the password is not in it.
    for (const p of started) expect(p.out.join('')).not.toContain(PASSWORD);
    await stopAll();
    if (!redis) await startRedis();
    redisCli('flushall');
  });
  afterAll(async () => {
    await stopAll();
    await stopRedis();
  });

  it('three workers compute a sweep; its data equal a serial run’s', async () => {
    for (let i = 0; i < 3; i++) worker();
    const out = tmp();
    const r = run([...SWEEP, '--out', out, '--queue', URL]);
    expect(await r.exit, r.out.join('')).toBe(0);
    expect(dataOf(out)).toEqual(dataOf(serial));
    expect(keysOf(out).sort()).toEqual(keysOf(serial).sort());
    expect(r.out.join('')).toContain(`redis://:***@127.0.0.1:${PORT}`);
    expect(readFileSync(join(out, 'runs.sqlite')).includes(PASSWORD)).toBe(false);
    await stopWorkers();
  });

  it('a worker SIGKILLed mid-cell: its cell is retried by another worker; every cell stored once', async () => {
    redisCli('flushall');
    const doomed = worker({ TRAINLAB_TEST_CELL_HANG: KEY });
    const out = tmp();
    const coordinator = run([...SWEEP, '--out', out, '--queue', URL]);
    // The doomed worker takes cells in order: after the one before it, it holds the hanging cell.
    await waitFor(() => doomed.out.join('').includes('· post · α=1 · MLP · seed 0 in'));
    await waitFor(() => Number(redisCli('llen', 'bull:trainlab-cells:active')) >= 1);
    doomed.child.kill('SIGKILL');
    await doomed.exit;
    worker();
    worker();
    expect(await coordinator.exit, coordinator.out.join('')).toBe(0);
    const keys = keysOf(out);
    expect(keys).toHaveLength(CELLS);
    expect(new Set(keys).size).toBe(CELLS);
    expect(dataOf(out)).toEqual(dataOf(serial));
    await stopWorkers();
  });

  it('the coordinator killed and rerun: nothing finished is recomputed, queued jobs are picked up', async () => {
    redisCli('flushall');
    const out = tmp();
    const first = run([...SWEEP, '--out', out, '--queue', URL]);
    await waitFor(() => Number(redisCli('llen', 'bull:trainlab-cells:wait')) === CELLS);
    first.child.kill('SIGKILL');
    await first.exit;
    expect(storedCells(out)).toBe(0);
    // Workers compute every queued cell while no coordinator runs.
    const w = worker();
    await waitFor(() => Number(redisCli('zcard', 'bull:trainlab-cells:completed')) === CELLS);
    const again = run([...SWEEP, '--out', out, '--queue', URL]);
    expect(await again.exit, again.out.join('')).toBe(0);
    expect(dataOf(out)).toEqual(dataOf(serial));
    // Each cell was computed once, by the worker, before the rerun.
    expect(w.out.join('').match(/worker: signal · /g)).toHaveLength(CELLS);
    await stopWorkers();
  });

  it('Redis restarted mid-sweep: workers and coordinator reconnect and finish', async () => {
    redisCli('flushall');
    const out = tmp();
    const doomedKey = 'post · α=1/√L · attention only · seed 0';
    // This worker holds one cell until it is killed, so the sweep is surely unfinished at the restart.
    const holder = worker({ TRAINLAB_TEST_CELL_HANG: doomedKey });
    const coordinator = run([...SWEEP, '--out', out, '--queue', URL]);
    await waitFor(() => holder.out.join('').includes('worker: signal · '));
    await stopRedis();
    await new Promise((r) => setTimeout(r, 1000));
    await startRedis();
    holder.child.kill('SIGKILL');
    worker();
    expect(await coordinator.exit, coordinator.out.join('')).toBe(0);
    expect(keysOf(out)).toHaveLength(CELLS);
    expect(dataOf(out)).toEqual(dataOf(serial));
    await stopWorkers();
  });

  it('jobs lost with Redis’s data (a restart without persistence) are queued again', async () => {
    const out = tmp();
    const coordinator = run([...SWEEP, '--out', out, '--queue', URL]);
    await waitFor(() => Number(redisCli('llen', 'bull:trainlab-cells:wait')) === CELLS);
    redisCli('flushall'); // every queued job is gone
    worker();
    expect(await coordinator.exit, coordinator.out.join('')).toBe(0);
    expect(keysOf(out)).toHaveLength(CELLS);
    expect(dataOf(out)).toEqual(dataOf(serial));
    await stopWorkers();
  });

  it('a cell that throws is reported with its reason, the sweep goes on, and a rerun computes only it', async () => {
    redisCli('flushall');
    worker({ TRAINLAB_TEST_CELL_THROW: KEY });
    const out = tmp();
    const r = run([...SWEEP, '--out', out, '--queue', URL]);
    expect(await r.exit).toBe(1);
    expect(r.out.join('')).toMatch(new RegExp(`- ${KEY}: .*simulated cell failure`));
    expect(storedCells(out)).toBe(CELLS - 1);
    await stopWorkers();
    worker();
    const again = run([...SWEEP, '--out', out, '--queue', URL]);
    expect(await again.exit, again.out.join('')).toBe(0);
    expect(again.out.join('')).toMatch(/1 cells computed, 7 read from the store/);
    expect(dataOf(out)).toEqual(dataOf(serial));
    await stopWorkers();
  });

  it('a worker on another backend refuses the cells with a message; a malformed job is refused before any work', async () => {
    redisCli('flushall');
    worker({}, ['--backend', 'cpu']);
    const out = tmp();
    const r = run([...SWEEP, '--seeds', '1', '--out', out, '--queue', URL]);
    expect(await r.exit).toBe(1);
    expect(r.out.join('')).toMatch(
      /refused signal · .*: the sweep runs on the wasm backend, this worker on cpu \(start it with --backend wasm\)/,
    );
    expect(storedCells(out)).toBe(0);
    // A job that is not a cell (as anything else could put on the queue) is refused by its schema.
    const { Queue } = await import('bullmq');
    const queue = new Queue('trainlab-cells', {
      connection: { host: '127.0.0.1', port: PORT, password: PASSWORD },
    });
    const job = await queue.add('cell', { experiment: 'signal', key: 42 });
    await waitFor(() => redisCli('zcard', 'bull:trainlab-cells:failed') === '1');
    const failed = await queue.getJob(job.id!);
    expect(failed?.failedReason).toMatch(/refused a malformed job: .*key/);
    await queue.close();
    await stopWorkers();
  });

  it('refuses an unreachable or malformed queue URL in one line, exit 2, password hidden', () => {
    const out = tmp();
    for (const [url, message] of [
      [
        'redis://:hunter2@127.0.0.1:1',
        /--queue: cannot reach the queue at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/,
      ],
      [
        'http://127.0.0.1:6379',
        /--queue: http:\/\/127\.0\.0\.1:6379 must start with redis:\/\/ or rediss:\/\//,
      ],
      [
        'redis://:hunter2@127.0.0.1:99999',
        /the port of redis:\/\/:\*\*\*@127\.0\.0\.1:99999 must be from 1 to 65535|is not a URL/,
      ],
    ] as const) {
      const r = trainlab([...SWEEP, '--out', out, '--queue', url]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('hunter2');
    }
    const env = trainlab([...SWEEP, '--out', out], {
      env: { TRAINLAB_QUEUE: 'redis://:hunter2@127.0.0.1:1' },
    });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/TRAINLAB_QUEUE|--queue/);
    expect(env.stderr).not.toContain('hunter2');
    expect(existsSync(join(out, 'runs.sqlite'))).toBe(false);
  });

  it('dfo minimize polls a black box on the queue’s workers: the same iterates as complete polls on local threads', async () => {
    worker();
    worker();
    const dir = tmp();
    const module = join(dir, 'f.mjs');
    writeFileSync(
      module,
      'export default (x) => (x[0] - 1) ** 2 + 10 * (x[1] + 2) ** 2 + (x[2] - 0.5) ** 4;\n',
    );
    const args = [
      'dfo',
      'minimize',
      '--module',
      module,
      '--x0',
      '0,0,0',
      '--max-evals',
      '150',
      '--search',
      'none',
      '--json',
    ];
    const local = trainlab([...args, '--workers', '2']);
    expect(local.code, local.stderr).toBe(0);
    const remote = run([...args, '--workers', '2', '--queue', URL]);
    expect(await remote.exit, remote.out.join('')).toBe(0);
    const json = (text: string) =>
      JSON.parse(text.slice(text.indexOf('{'))) as { x: number[]; value: number; evaluations: number };
    const a = json(local.stdout);
    const b = json(
      remote.out
        .join('')
        .split('\n')
        .filter((l) => !/^(direct search|backend)/.test(l))
        .join('\n'),
    );
    expect(b.x).toEqual(a.x);
    expect(b.value).toBe(a.value);
    expect(b.evaluations).toBe(a.evaluations);
  });
});
