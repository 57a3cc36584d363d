/**
 * The command as a Unix tool, end to end on the built binary: results on stdout, progress and logs
 * on stderr; `--json` makes stdout one JSON document; a closed pipe ends the command quietly
 * without losing stored cells; Ctrl-C says that a rerun resumes; `pnpm trainlab` keeps stdout clean.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, storedCells, trainlab } from './run';

const tmp = () => mkdtempSync(join(tmpdir(), 'trainlab-streams-'));
const ROOT = resolve(import.meta.dirname, '..', '..', '..');
/** A small sweep whose --json output (~120 kB) is larger than a pipe's buffer. */
const SWEEP = ['signal', '--depth', '48', '--n', '6', '--d-model', '8', '--heads', '2', '--seeds', '1'];

/** Runs `trainlab <args> | <consumer>` in bash; returns trainlab's exit code, stderr, and what the consumer printed. */
function piped(args: string[], consumer: string) {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const errFile = join(tmp(), 'stderr.txt');
  const r = spawnSync(
    'bash',
    ['-c', `${quoted} 2>'${errFile}' | ${consumer}; echo "\${PIPESTATUS[0]}" > '${errFile}.code'`],
    {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 200_000,
    },
  );
  return {
    stdout: r.stdout,
    stderr: readFileSync(errFile, 'utf8'),
    code: Number(readFileSync(`${errFile}.code`, 'utf8').trim()),
  };
}

describe('stdout and stderr', () => {
  it('puts the result on stdout and the heading and progress on stderr', () => {
    const r = trainlab(['dfo', 'minimize', '--problem', '7']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^status: /m);
    expect(r.stdout).toMatch(/^f = .* after \d+ evaluations$/m);
    expect(r.stdout).toMatch(/^x = \[/m);
    expect(r.stderr).toMatch(/^direct search \(model search, probabilistic poll\) on /m);
    expect(r.stderr).not.toMatch(/^status: /m);
  });

  it('keeps results on stdout with --quiet, and nothing on stderr', () => {
    const out = tmp();
    const r = trainlab([...SWEEP.slice(0, 2), '3', ...SWEEP.slice(3), '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^norm +scaleKind +residualScale/m);
    expect(r.stdout).toMatch(/^figure: .*signal\.svg/m);
  });

  it('with --json, stdout is exactly one JSON document', () => {
    const out = tmp();
    const r = trainlab([...SWEEP.slice(0, 2), '3', ...SWEEP.slice(3), '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { files: Record<string, string> };
    expect(Object.keys(doc.files)).toEqual(expect.arrayContaining(['svg', 'png', 'json', 'csv']));
    expect(r.stderr).toMatch(/backend: /);
  });
});

describe('pipes', () => {
  it('ends quietly with exit 0 when the reader closes the pipe early, and keeps every finished cell', () => {
    for (const consumer of ['head -n 1', 'true']) {
      const out = tmp();
      const r = piped(['--json', '--out', out, ...SWEEP], consumer);
      expect(r.code, `${consumer}: ${r.stderr}`).toBe(0);
      expect(r.stderr).not.toMatch(/EPIPE|Error|at .*\.js/);
      if (consumer.startsWith('head')) expect(r.stdout).toBe('{\n');
      // Everything was computed before the result was written, and all of it is stored.
      expect(existsSync(join(out, 'runs.sqlite'))).toBe(true);
      expect(storedCells(out)).toBe(12);
      const again = trainlab(['--json', '--out', out, ...SWEEP]);
      expect(JSON.parse(again.stdout).counts).toMatchObject({ computed: 0, reused: 12 });
    }
  });

  it('pnpm trainlab --json … prints only the JSON document on stdout (the build stays off stdout)', () => {
    const r = spawnSync('pnpm', ['--silent', 'trainlab', '--json', 'dfo', 'minimize', '--problem', '7'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 280_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(JSON.parse(r.stdout).label).toMatch(/^Rosenbrock/);
    // Also without pnpm's --silent: what the README tells users to type.
    const plain = spawnSync('pnpm', ['trainlab', '--json', 'dfo', 'minimize', '--problem', '7'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 280_000,
    });
    expect(plain.status, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout).evaluations).toBeGreaterThan(0);
    expect(plain.stdout).not.toMatch(/turbo|Tasks:/);
    expect(plain.stdout).not.toContain(String.fromCharCode(27)); // no colour codes
  });
});

describe('interrupts', () => {
  it('Ctrl-C stops a sweep, says the finished cells are stored and a rerun resumes, exit 130', async () => {
    const out = tmp();
    const args = [
      'signal',
      '--depth',
      '12',
      '--n',
      '16',
      '--d-model',
      '64',
      '--seeds',
      '6',
      '--workers',
      '1',
    ];
    const child = spawn(process.execPath, [BIN, ...args, '--out', out], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const deadline = Date.now() + 120_000;
    while (!/signal [2-9]\/\d+/.test(stderr) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(
      /interrupted\. Every finished cell is stored in .*runs\.sqlite; rerun the same command to resume/,
    );
    const stored = storedCells(out);
    expect(stored).toBeGreaterThan(0);
    const resumed = trainlab([...args, '--out', out, '--json']);
    expect(JSON.parse(resumed.stdout).counts.reused).toBe(stored);
  });
});
