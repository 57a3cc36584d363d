/** Black-box polls over a real Redis queue: the iterates equal the serial run's with complete polling. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directSearch, minimax } from '../src/index';
import { queueObjective, serveObjectives } from '../src/queueObjective';
// @ts-expect-error a plain JavaScript fixture without types
import rosenbrock, { game } from './fixtures/slow-objectives.mjs';

const fixture = fileURLToPath(new URL('./fixtures/slow-objectives.mjs', import.meta.url));
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI) throw new Error('redis-server is missing: .ci/run installs it');
const PORT = 20_000 + Math.floor(Math.random() * 20_000);
const REDIS = `redis://127.0.0.1:${PORT}`;

describe.skipIf(!hasRedis)('queueObjective', () => {
  let redis: ChildProcess;
  let served: ReturnType<typeof serveObjectives>;
  beforeAll(async () => {
    redis = spawn(
      'redis-server',
      [
        '--port',
        String(PORT),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--dir',
        mkdtempSync(join(tmpdir(), 'dfo-redis-')),
      ],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100; i++) {
      if (
        spawnSync('redis-cli', ['-p', String(PORT), 'ping'])
          .stdout?.toString()
          .trim() === 'PONG'
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Two worker threads take evaluations from the queue (in a real setup: other machines).
    served = serveObjectives({ connection: REDIS, concurrency: 2 });
    await served.ready;
  });
  afterAll(async () => {
    await served?.close();
    redis?.kill('SIGTERM');
  });

  it('direct search with complete polling over the queue gives exactly the serial run', async () => {
    const options = { polling: 'complete', maxEvaluations: 200, pollSet: 'coordinate' } as const;
    const serial = await directSearch(rosenbrock as (x: Float64Array) => number, [-1.2, 1, 0.5], options);
    const remote = queueObjective(fixture, { connection: REDIS, workers: 4 });
    try {
      const queued = await directSearch(remote.objective, [-1.2, 1, 0.5], {
        ...options,
        concurrency: remote.workers,
      });
      expect(Array.from(queued.x)).toEqual(Array.from(serial.x));
      expect(queued.value).toBe(serial.value);
      expect(queued.evaluations).toBe(serial.evaluations);
    } finally {
      await remote.close();
    }
  });

  it('serves min-max objectives f(x, y) too, and refuses bad options by name', async () => {
    const start = { x0: [0, 0], y0: [0, 0] };
    const complete = { polling: 'complete' } as const;
    const options = { maxEvaluations: 300, min: complete, max: complete };
    const serial = await minimax(game as (x: Float64Array, y: Float64Array) => number, start, options);
    const remote = queueObjective(fixture, { connection: REDIS, exportName: 'game', workers: 2 });
    try {
      const queued = await minimax(
        remote.objective as (x: Float64Array, y: Float64Array) => Promise<number>,
        start,
        {
          ...options,
          concurrency: 2,
        },
      );
      expect(Array.from(queued.x)).toEqual(Array.from(serial.x));
      expect(Array.from(queued.y)).toEqual(Array.from(serial.y));
    } finally {
      await remote.close();
    }
    expect(() => queueObjective(fixture, { connection: 'http://x' })).toThrow(
      /redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(() => queueObjective(fixture, { connection: REDIS, workers: 0 })).toThrow(
      /options.workers must be an integer ≥ 1, got 0/,
    );
  });
});
