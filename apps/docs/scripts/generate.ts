/**
 * Generates the parts of the site that are never written by hand, then checks them:
 *   - api/         the API reference, by TypeDoc from the packages' TSDoc (an exported symbol
 *                  without a doc comment, or a broken {@link}, fails the build);
 *   - cli.md       the CLI reference, from the CLI's own command definitions;
 *   - experiments.md every experiment's config fields, flags and defaults, from the definitions;
 *   - theory.md    the theory notes of @trainlab/diagnostics;
 *   - guide/*.md   one guide per package, from its README (links rewritten for the site);
 *   - public/tfjs/ the .wasm files of the TensorFlow.js wasm backend, served by the site.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliReference, experimentsReference } from '@trainlab/cli/reference';
import { Application, type TypeDocOptions } from 'typedoc';
import { PACKAGES, rewriteLinks, undocumented } from './checks';

const here = dirname(fileURLToPath(import.meta.url));
const site = resolve(here, '..');
const root = resolve(site, '../..');

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function guides(): void {
  const pages = {
    ...Object.fromEntries(Object.entries(PACKAGES).map(([k, p]) => [k, p.dir])),
    cli: 'apps/cli',
  };
  for (const [name, dir] of Object.entries(pages)) {
    const readme = readFileSync(join(root, dir, 'README.md'), 'utf8');
    const note = `<!-- Generated from ${dir}/README.md by scripts/generate.ts. Do not edit. -->\n\n`;
    write(join(site, 'guide', `${name}.md`), note + rewriteLinks(readme, dir));
  }
  const theory = readFileSync(join(root, 'packages/diagnostics/docs/theory.md'), 'utf8');
  write(
    join(site, 'theory.md'),
    `<!-- Generated from packages/diagnostics/docs/theory.md. Do not edit. -->\n\n${rewriteLinks(theory, 'packages/diagnostics/docs')}`,
  );
}

function wasmFiles(): void {
  const require = createRequire(import.meta.url);
  const pkg = dirname(
    require.resolve('@tensorflow/tfjs-backend-wasm/package.json', { paths: [join(root, 'packages/tensor')] }),
  );
  const out = join(site, 'public/tfjs');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files = readdirSync(join(pkg, 'dist')).filter((f) => f.endsWith('.wasm'));
  if (files.length === 0) throw new Error(`no .wasm files in ${pkg}/dist`);
  for (const f of files) copyFileSync(join(pkg, 'dist', f), join(out, f));
}

async function api(): Promise<void> {
  const out = join(site, 'api');
  rmSync(out, { recursive: true, force: true });
  const entryPoints = Object.values(PACKAGES).flatMap((p) => p.entries.map((e) => join(root, p.dir, e)));
  const options: Partial<TypeDocOptions> & Record<string, unknown> = {
    entryPoints,
    tsconfig: join(site, 'tsconfig.typedoc.json'),
    plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
    out,
    docsRoot: site,
    name: 'trainlab API',
    readme: 'none',
    excludeInternal: true,
    excludePrivate: true,
    excludeExternals: true,
    externalPattern: ['**/node_modules/**'],
    hideGenerator: true,
    githubPages: false,
    // "Defined in" links to the file on GitHub, without asking git (CI clones have no remote).
    disableGit: true,
    gitRevision: 'main',
    sourceLinkTemplate: 'https://github.com/trainlab/trainlab/blob/{gitRevision}/{path}#L{line}',
    basePath: root,
    displayBasePath: root,
    sort: ['kind', 'alphabetical'],
    // TypeDoc's own notDocumented check misses symbols when several entry points share files, so
    // `undocumented` below does that check; TypeDoc still checks links and unexported types.
    validation: { notExported: true, invalidLink: true, notDocumented: false },
    treatValidationWarningsAsErrors: true,
  };
  const app = await Application.bootstrapWithPlugins(options);
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the packages');
  app.validate(project);
  const missing = undocumented(project);
  for (const m of missing) console.error(`undocumented export: ${m}`);
  if (app.logger.hasErrors() || app.logger.hasWarnings() || missing.length > 0) {
    throw new Error(
      `TypeDoc: ${missing.length} exported symbols without TSDoc, ${app.logger.warningCount} warnings, ${app.logger.errorCount} errors (listed above)`,
    );
  }
  await app.generateOutputs(project);
}

const t0 = performance.now();
wasmFiles();
guides();
write(join(site, 'cli.md'), cliReference());
write(join(site, 'experiments.md'), experimentsReference());
await api();
console.log(
  `docs: generated api/, cli.md, experiments.md, theory.md, guide/*.md, public/tfjs/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
