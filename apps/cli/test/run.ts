import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'libsql';

export const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli.js');

/** Runs the built `trainlab` binary and returns its exit code and output. */
export function trainlab(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): {
  code: number;
  stdout: string;
  stderr: string;
} {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    timeout: 280_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the binary in the background. */
export function start(args: string[], cwd?: string) {
  return spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Cells in the run store under `out` (0 while it does not exist yet or cannot be read mid-write). */
export function storedCells(out: string): number {
  const db = join(out, 'runs.sqlite');
  if (!existsSync(db)) return 0;
  const conn = new Database(db, { readonly: true });
  try {
    return (conn.prepare('SELECT COUNT(*) AS n FROM cells').get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    conn.close();
  }
}
