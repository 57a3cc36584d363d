/**
 * Faults injected on purpose, with real processes: damaged stores, two runs on one folder, a cell
 * too big for any engine, a fatal engine failure among good cells, black boxes that never answer.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import { BIN, storedCells, trainlab } from './run';

const tmp = () => mkdtempSync(join(tmpdir(), 'trainlab-reliability-'));
/** A sweep of 6 tiny cells (one setting × 6 seeds... as 2 MLP settings × 3 seeds). */
const SMALL = [
  'signal',
  '--depth',
  '2',
  '--d-model',
  '8',
  '--n',
  '4',
  '--seeds',
  '3',
  '--norms',
  'post',
  '--scales',
  '1',
];
const BAD_KEY = 'post · α=1 · attention only · seed 1';

function cellsOf(out: string): { key: string; ms: number }[] {
  const db = new Database(join(out, 'runs.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT key, ms FROM cells ORDER BY seq').all() as { key: string; ms: number }[];
  } finally {
    db.close();
  }
}

describe('a damaged run store', () => {
  it('is named in one line before any work, for every kind of damage; --fresh moves it aside and starts anew', () => {
    const good = tmp();
    expect(trainlab([...SMALL, '--out', good, '--workers', '1']).code).toBe(0);
    const intact = readFileSync(join(good, 'runs.sqlite'));
    const damages: [string, (path: string) => void, RegExp][] = [
      ['empty', (p) => writeFileSync(p, ''), /it is empty \(0 bytes\): the store was cut off/],
      [
        'junk',
        (p) => writeFileSync(p, 'not a database, just text '.repeat(40)),
        /it is not a SQLite database/,
      ],
      ['truncated', (p) => writeFileSync(p, intact.subarray(0, 2048)), /the database is damaged|truncated/],
      [
        'zeroed pages',
        (p) => {
          const bytes = Buffer.from(intact);
          bytes.fill(0, 4096, Math.min(bytes.length, 3 * 4096));
          writeFileSync(p, bytes);
        },
        /the database is damaged/,
      ],
      ['a folder', (p) => mkdirSync(p), /a folder is in its place/],
    ];
    for (const [what, damage, reason] of damages) {
      const out = tmp();
      const store = join(out, 'runs.sqlite');
      damage(store);
      const r = trainlab([...SMALL, '--out', out, '--workers', '1']);
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, what).toHaveLength(1);
      expect(lines[0], what).toContain(`the run store ${store} cannot be used`);
      expect(lines[0], what).toMatch(reason);
      expect(lines[0], what).toMatch(/Rerun with --fresh to move it aside/);
      expect(r.stdout, what).toBe('');
    }
    // --fresh: the damaged file is kept aside (nothing is deleted), a new store is made and filled.
    const out = tmp();
    writeFileSync(join(out, 'runs.sqlite'), 'junk '.repeat(200));
    const fresh = trainlab([...SMALL, '--out', out, '--workers', '1', '--fresh']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toMatch(
      /was damaged \(it is not a SQLite database.*\): moved aside to .*runs\.sqlite\.damaged-/,
    );
    const aside = readdirSync(out).filter((f) => f.startsWith('runs.sqlite.damaged-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(out, aside[0]!), 'utf8')).toBe('junk '.repeat(200));
    expect(storedCells(out)).toBe(6);
  });
});

describe('two runs on one output folder', () => {
  it('refuses the second with one line naming the folder and the first process; a killed holder’s lock is taken over', async () => {
    const out = tmp();
    // A sweep long enough to be running when the second starts.
    const first = spawn(
      process.execPath,
      [BIN, ...SMALL, '--seeds', '400', '--out', out, '--workers', '1', '--quiet'],
      {
        stdio: 'ignore',
      },
    );
    const lock = join(out, 'runs.sqlite.lock');
    for (let i = 0; i < 300 && storedCells(out) < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(lock)).toBe(true);
    const second = trainlab([...SMALL, '--out', out, '--workers', '1']);
    expect(second.code).toBe(2);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `the output folder ${out} is in use by another trainlab process (pid ${first.pid}`,
    );
    expect(lines[0]).toMatch(/--seeds 400/);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const stored = storedCells(out);
    expect(existsSync(lock)).toBe(true); // SIGKILL leaves it behind…
    const third = trainlab([...SMALL, '--out', out, '--workers', '1']);
    expect(third.code, third.stderr).toBe(0); // …and the next run takes it over (its holder is gone)
    expect(existsSync(lock)).toBe(false);
    expect(storedCells(out)).toBe(stored + 6);
    // Each sweep numbers its cells in the order they were stored, without collisions.
    const seqs = new Database(join(out, 'runs.sqlite'), { readonly: true })
      .prepare('SELECT COUNT(DISTINCT seq) AS n, COUNT(*) AS total FROM cells GROUP BY config_hash')
      .all() as { n: number; total: number }[];
    expect(seqs).toHaveLength(2);
    for (const s of seqs) expect(s.n).toBe(s.total);
  });
});

describe('cells too big for the engine', () => {
  it('refuses a cell no wasm instance can hold before any work, naming the flags, the limit and what fits', () => {
    const out = tmp();
    const r = trainlab(['signal', '--d-model', '1024', '--n', '256', '--depth', '48', '--out', out]);
    expect(r.code).toBe(2);
    const message = r.stderr.trim().split('\n').at(-1)!;
    expect(message).toMatch(
      /signal: its largest cell \(.*48 blocks, d = 1024, n = 256, forward pass\) needs about \d+\.\d GiB, more than the 4 GiB one wasm backend instance can hold/,
    );
    expect(message).toMatch(/lower --depth, --d-model, --n \(--depth \d+ fits\)/);
    expect(storedCells(out)).toBe(0);
  });

  for (const workers of ['2', '1']) {
    it(`a fatal engine failure fails its cell only; the others finish (--workers ${workers})`, () => {
      const out = tmp();
      const r = trainlab([...SMALL, '--out', out, '--workers', workers], {
        env: { TRAINLAB_TEST_ENGINE_ABORT: BAD_KEY },
      });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`1 cell failed`);
      expect(r.stderr).toMatch(new RegExp(`- ${BAD_KEY}: .*the engine ran out of memory`));
      expect(r.stderr).not.toMatch(/^\s+at /m);
      const cells = cellsOf(out);
      expect(cells.map((c) => c.key)).not.toContain(BAD_KEY);
      expect(cells).toHaveLength(5);
      // The store records each cell's own compute time, not the wait for a worker.
      for (const c of cells) expect(c.ms).toBeGreaterThan(0);
      // A rerun computes only the failed cell.
      const again = trainlab([...SMALL, '--out', out, '--workers', workers]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/1 cells computed, 5 read from the store/);
    });
  }
});

describe('black boxes that never answer', () => {
  it('dfo minimize says so instead of exiting silently, and --max-time / --eval-timeout bound the run', () => {
    const dir = tmp();
    const never = join(dir, 'never.mjs');
    writeFileSync(
      never,
      'let calls = 0;\nexport default (x) => (calls++ < 20 ? (x[0] - 1) ** 2 + (x[1] + 2) ** 2 : new Promise(() => {}));\n',
    );
    const hung = trainlab(['dfo', 'minimize', '--module', never, '--x0', '0,0']);
    expect(hung.code).toBe(1);
    expect(hung.stderr).toMatch(
      /returned a Promise that never settles.*--eval-timeout <seconds>.*--max-time <seconds>/,
    );
    const bounded = trainlab(['dfo', 'minimize', '--module', never, '--x0', '0,0', '--max-time', '0.5']);
    expect(bounded.code, bounded.stderr).toBe(0);
    expect(bounded.stdout).toMatch(/status: max-time/);
    // A synchronous objective that loops forever: only its worker thread can be stopped.
    const spin = join(dir, 'spin.mjs');
    writeFileSync(
      spin,
      'export default (x) => { if (x[0] > 0.5) for (;;); return (x[0] - 0.25) ** 2 + x[1] ** 2; };\n',
    );
    const sync = trainlab([
      'dfo',
      'minimize',
      '--module',
      spin,
      '--x0',
      '0,0',
      '--eval-timeout',
      '0.3',
      '--max-evals',
      '60',
      '--workers',
      '2',
    ]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/status: /);
  });
});
