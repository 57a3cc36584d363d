// `pnpm site` from the repository root: builds the documentation site and the packages it bundles
// (turbo; a cache hit after the first time), then serves it at http://127.0.0.1:4173/.
// (Not `pnpm docs`: pnpm's built-in `docs` command would shadow a script of that name.)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildQuietly } from './turbo-build.mjs';

try {
  await buildQuietly('@trainlab/docs...', { label: 'site' });
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const root = new URL('..', import.meta.url).pathname;
const server = spawn(process.execPath, [join(root, 'apps', 'docs', 'scripts', 'serve.mjs')], {
  cwd: join(root, 'apps', 'docs'),
  stdio: 'inherit',
});
server.on('exit', (code) => process.exit(code ?? 0));
