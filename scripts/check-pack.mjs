#!/usr/bin/env node
// Every publishable package's `prepack`: refuses to pack a package whose exports, bin or types
// point at files that do not exist (a tarball without `dist` installs, then fails on import), and
// says what to run. `node scripts/check-pack.mjs [package folder]` (default: the current folder).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? '.');
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** Every file path a package.json field points at (export conditions, bin, main, types). */
function targets(value, out = new Set()) {
  if (typeof value === 'string') {
    if (value.startsWith('./') && !value.includes('*')) out.add(value);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      // Development-only conditions point at sources, which are not packed.
      if (key === '@trainlab/source') continue;
      targets(v, out);
    }
  }
  return out;
}

const wanted = targets({
  exports: pkg.exports,
  bin: typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : pkg.bin,
  main: pkg.main && `./${pkg.main.replace(/^\.\//, '')}`,
  module: pkg.module && `./${pkg.module.replace(/^\.\//, '')}`,
  types: pkg.types && `./${pkg.types.replace(/^\.\//, '')}`,
});
const missing = [...wanted].filter((p) => !existsSync(join(dir, p))).sort();
if (missing.length > 0) {
  process.stderr.write(
    `${pkg.name}: refusing to pack: ${missing.length} file${missing.length > 1 ? 's' : ''} its package.json points at ${missing.length > 1 ? 'are' : 'is'} missing (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}). ` +
      `Build it first: pnpm --filter ${pkg.name} build (or pnpm build at the repository root).\n`,
  );
  process.exit(1);
}
