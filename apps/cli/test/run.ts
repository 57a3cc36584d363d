import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

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
