import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Builds the site and the packages it bundles (a cache hit when CI has built already). */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..', '..', '..');
  execFileSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@trainlab/docs...', '--output-logs=errors-only'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}
