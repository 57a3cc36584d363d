/** The "many machines" guide's commands, run as written (on a free port), so the page cannot rot. */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from './run';

const root = resolve(import.meta.dirname, '..', '..', '..');
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI) throw new Error('redis-server is missing: .ci/run installs it');

describe.skipIf(!hasRedis)('docs: many machines', () => {
  it('runs the guide’s commands: Redis, a worker, a sweep over the queue, a black box over the queue', () => {
    const page = readFileSync(join(root, 'apps/docs/guide/many-machines.md'), 'utf8');
    const block = page.match(/## The commands[\s\S]*?```sh\n([\s\S]*?)```/)?.[1];
    expect(block, 'the guide has a ```sh block under "## The commands"').toBeTruthy();
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const dir = mkdtempSync(join(tmpdir(), 'trainlab-guide-'));
    mkdirSync(join(dir, 'examples'));
    cpSync(join(root, 'examples/objective.mjs'), join(dir, 'examples/objective.mjs'));
    // `trainlab` on the PATH, as after a global install (exec: a background job is the process itself).
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'trainlab'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, {
      mode: 0o755,
    });
    const script = [
      'set -euo pipefail',
      `export PATH="${join(dir, 'bin')}:$PATH"`,
      `trap 'kill $(jobs -p) 2>/dev/null; redis-cli -p ${port} shutdown nosave >/dev/null 2>&1 || true' EXIT`,
      block!.replaceAll('6379', port).replace('--daemonize yes', `--daemonize yes --dir ${dir} --save ''`),
    ].join('\n');
    writeFileSync(join(dir, 'guide.sh'), script);
    const r = spawnSync('bash', ['guide.sh'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'many-machines', 'data', 'signal.json'))).toBe(true);
    expect(r.stdout).toMatch(/status: /);
    expect(r.stderr).toMatch(/cells computed/);
  });
});
