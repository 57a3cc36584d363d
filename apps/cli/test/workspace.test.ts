/**
 * The repository as a newcomer meets it: every root script runs under its own name (pnpm has
 * built-in commands that shadow scripts of the same name), and no package can be packed without
 * the files its package.json points at.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('root scripts', () => {
  it('none is shadowed by a built-in pnpm command (pnpm docs once opened the docs of a package)', () => {
    const help = spawnSync('pnpm', ['--help'], { cwd: ROOT, encoding: 'utf8' }).stdout;
    const commands = help.split(/\nCommands:\n/)[1]?.split(/\n\n/)[0] ?? '';
    const builtins = new Set<string>();
    for (const line of commands.split('\n')) {
      const m = /^ {2}(\S+)/.exec(line);
      if (m) builtins.add(m[1]!);
      for (const [, list] of line.matchAll(/\[aliases?: ([^\]]+)\]/g))
        for (const a of list!.split(',')) builtins.add(a.trim());
    }
    expect(builtins.has('docs')).toBe(true); // the list was read
    const scripts = Object.keys(json(join(ROOT, 'package.json')).scripts as object);
    // `pnpm test` is the built-in that runs the "test" script: the one name meant to match.
    expect(scripts.filter((s) => s !== 'test' && builtins.has(s))).toEqual([]);
    expect(scripts).toEqual(expect.arrayContaining(['trainlab', 'site', 'test']));
  });
});

describe('test configs', () => {
  it('import the shared config with its file extension (else Vite warns once per project that its native config loader cannot load them)', () => {
    const configs = ['packages', 'apps'].flatMap((group) =>
      readdirSync(join(ROOT, group)).map((name) => join(ROOT, group, name, 'vitest.config.ts')),
    );
    expect(configs.length).toBeGreaterThan(5);
    for (const file of configs) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        expect(spec, file).toMatch(/\.(ts|mts|js|mjs)$/);
      }
    }
  });
});

describe('packing', () => {
  const check = join(ROOT, 'scripts', 'check-pack.mjs');
  const run = (dir: string) => spawnSync(process.execPath, [check, dir], { encoding: 'utf8' });

  it('every publishable package checks its files before it is packed', () => {
    for (const group of ['packages', 'apps']) {
      for (const name of readdirSync(join(ROOT, group))) {
        const pkg = json(join(ROOT, group, name, 'package.json'));
        if (pkg.private) continue;
        expect((pkg.scripts as Record<string, string>).prepack, `${group}/${name}`).toBe(
          'node ../../scripts/check-pack.mjs',
        );
      }
    }
  });

  it('refuses a package whose exports point at missing files, naming them and the build command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainlab-pack-'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: '@trainlab/example',
        bin: { example: './dist/cli.js' },
        exports: {
          '.': {
            '@trainlab/source': './src/index.ts',
            import: { types: './dist/index.d.ts', default: './dist/index.js' },
          },
          './package.json': './package.json',
        },
      }),
    );
    const empty = run(dir);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(
      /@trainlab\/example: refusing to pack: 3 files .* are missing \(\.\/dist\/cli\.js, \.\/dist\/index\.d\.ts, \.\/dist\/index\.js\)/,
    );
    expect(empty.stderr).toMatch(/pnpm --filter @trainlab\/example build/);
    mkdirSync(join(dir, 'dist'));
    for (const f of ['cli.js', 'index.d.ts', 'index.js']) writeFileSync(join(dir, 'dist', f), '');
    expect(run(dir).status).toBe(0); // the source condition is not packed, so it need not exist
  });
});
