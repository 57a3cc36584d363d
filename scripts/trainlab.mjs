// `pnpm trainlab …` from the repository root: builds the CLI and the packages it needs (a turbo
// cache hit after the first time), then runs it in this process. stdout carries only the command's
// own output, so `pnpm trainlab --json … | jq` works; build progress and failures go to stderr.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildQuietly } from './turbo-build.mjs';

try {
  await buildQuietly('@trainlab/cli...', { label: 'trainlab' });
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
await import(
  pathToFileURL(join(new URL('..', import.meta.url).pathname, 'apps', 'cli', 'dist', 'cli.js')).href
);
