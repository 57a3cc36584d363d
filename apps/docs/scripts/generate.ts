/**
 * Generates the parts of the site that are never written by hand, then checks them:
 *   - api/         the API reference, by TypeDoc from the packages' TSDoc (an exported symbol
 *                  without a doc comment, or a broken {@link}, fails the build);
 *   - cli.md       the CLI reference, from the CLI's own command definitions;
 *   - theory.md    the theory notes of @trainlab/diagnostics;
 *   - guide/*.md   one guide per package, from its README (links rewritten for the site);
 *   - public/tfjs/ the .wasm files of the TensorFlow.js wasm backend, served by the site.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliReference } from '@trainlab/cli/reference';
import {
  Application,
  DeclarationReflection,
  type ProjectReflection,
  ReflectionKind,
  type TypeDocOptions,
} from 'typedoc';

const here = dirname(fileURLToPath(import.meta.url));
const site = resolve(here, '..');
const root = resolve(site, '../..');
const REPO = 'https://github.com/trainlab/trainlab/blob/main';

/** The packages with a guide and an API section: folder → entry points (package subpaths). */
export const PACKAGES: Record<string, { dir: string; entries: string[] }> = {
  tensor: { dir: 'packages/tensor', entries: ['src/index.ts', 'src/testing.ts', 'src/bench.ts'] },
  attention: { dir: 'packages/attention', entries: ['src/index.ts'] },
  diagnostics: { dir: 'packages/diagnostics', entries: ['src/index.ts'] },
  dfo: { dir: 'packages/dfo', entries: ['src/index.ts', 'src/workerObjective.ts'] },
  random: { dir: 'packages/random', entries: ['src/index.ts'] },
};

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * Rewrites a README's relative links for the site: other packages' folders go to their guides,
 * the repository README to the home page, anything else to the file on GitHub.
 */
export function rewriteLinks(markdown: string, fromDir: string): string {
  // Relative targets only: not a URL with a scheme, not site-absolute, not an anchor on the page.
  return markdown.replace(/\]\((?![a-z][a-z0-9+.-]*:|\/|#)([^)\s]+)\)/gi, (_, target: string) => {
    const [path = '', hash] = target.split('#');
    const abs = join(fromDir, path).replace(/\/$/, '');
    const guide = Object.entries(PACKAGES).find(([, p]) => p.dir === abs)?.[0];
    if (guide) return `](/guide/${guide}${hash ? `#${hash}` : ''})`;
    if (abs === 'apps/cli') return '](/guide/cli)';
    if (abs.replace(/\.md$/, '') === 'packages/diagnostics/docs/theory')
      return `](/theory${hash ? `#${hash}` : ''})`;
    if (abs === 'README.md' || abs === '') return '](/)';
    return `](${REPO}/${abs}${hash ? `#${hash}` : ''})`;
  });
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

/** Exported declarations (and public class members) whose doc comment is missing. */
export function undocumented(project: ProjectReflection): string[] {
  const kinds =
    ReflectionKind.Class |
    ReflectionKind.Interface |
    ReflectionKind.TypeAlias |
    ReflectionKind.Variable |
    ReflectionKind.Function |
    ReflectionKind.Enum |
    ReflectionKind.Method |
    ReflectionKind.Accessor;
  const out: string[] = [];
  for (const r of project.getReflectionsByKind(kinds)) {
    if (!(r instanceof DeclarationReflection)) continue;
    // Members count only on classes (an interface's methods are documented with the interface).
    if (r.kindOf(ReflectionKind.Method | ReflectionKind.Accessor) && !r.parent?.kindOf(ReflectionKind.Class))
      continue;
    if (r.flags.isPrivate || r.flags.isProtected || r.inheritedFrom) continue;
    const comments = [
      r.comment,
      ...(r.signatures ?? []).map((s) => s.comment),
      r.getSignature?.comment,
      r.setSignature?.comment,
    ];
    if (!comments.some((c) => c && (c.summary.length > 0 || c.blockTags.length > 0))) {
      out.push(
        `${r.getFriendlyFullName()} (${ReflectionKind.singularString(r.kind)}) in ${r.sources?.[0]?.fileName ?? '?'}`,
      );
    }
  }
  return out;
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
    readme: 'none',
    excludeInternal: true,
    excludePrivate: true,
    excludeExternals: true,
    externalPattern: ['**/node_modules/**'],
    hideGenerator: true,
    githubPages: false,
    disableSources: true,
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
await api();
console.log(
  `docs: generated api/, cli.md, theory.md, guide/*.md, public/tfjs/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
