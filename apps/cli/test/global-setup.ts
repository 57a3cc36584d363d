import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Builds the CLI and its workspace dependencies (a cache hit when CI has built already). */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..', '..', '..');
  execFileSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@trainlab/cli...', '--output-logs=errors-only'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}
