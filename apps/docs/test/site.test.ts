/**
 * The built site: every internal link of every page resolves (VitePress's build already fails on
 * dead Markdown links; this also covers the theme's navigation and the generated references), and
 * the pages open in Chromium without console errors, uncaught exceptions or failed requests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, open, type Session, SITE, watchErrors } from './browser';

/** Every HTML page of the build, as a clean URL path. */
function pages(dir = SITE): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return pages(path);
    if (!e.name.endsWith('.html') || e.name === '404.html') return [];
    return [`/${relative(SITE, path).replace(/(index)?\.html$/, '')}`];
  });
}

describe.skipIf(!HAVE_CHROMIUM)('the built site', () => {
  let s: Session;
  beforeAll(async () => {
    s = await open();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('has the pages the issue asks for', () => {
    const all = pages();
    for (const p of [
      '/',
      '/guide/',
      '/guide/tensor',
      '/guide/attention',
      '/guide/diagnostics',
      '/guide/dfo',
      '/guide/cli',
      '/theory',
      '/cli',
      '/experiments',
      '/api/',
      '/demos/rank-collapse',
      '/demos/direct-search',
      '/demos/minimax',
    ]) {
      expect(all, p).toContain(p);
    }
    expect(all.filter((p) => p.startsWith('/api/')).length).toBeGreaterThan(100);
  });

  it('every internal link of every page resolves', async () => {
    const links = new Map<string, string>(); // link → first page that has it
    for (const path of pages()) {
      const file = join(SITE, path.endsWith('/') ? `${path}index.html` : `${path}.html`);
      for (const [, href] of readFileSync(file, 'utf8').matchAll(/<a [^>]*href="([^"]+)"/g)) {
        const u = new URL(href!.replace(/&amp;/g, '&'), `${s.url}${path}`);
        if (u.origin === s.url && !links.has(u.pathname)) links.set(u.pathname, path);
      }
    }
    const broken: string[] = [];
    for (const [link, from] of links) {
      const r = await fetch(`${s.url}${link}`);
      if (r.status !== 200) broken.push(`${link} (on ${from}): HTTP ${r.status}`);
    }
    expect(broken).toEqual([]);
    expect(links.size).toBeGreaterThan(100);
  });

  it('pages load without console errors: every hand-written and generated page, and one API page of each kind', async () => {
    const all = pages();
    // The ~250 API pages come from one template per kind: one of each (per package) stands for the rest.
    const kinds = new Map<string, string>();
    for (const p of all.filter((q) => q.startsWith('/api/'))) {
      const kind = p.split('/').slice(0, -1).join('/');
      if (!kinds.has(kind)) kinds.set(kind, p);
    }
    const visit = [...all.filter((p) => !p.startsWith('/api/')), ...kinds.values()];
    expect(visit.length).toBeGreaterThan(20);
    const page = await s.browser.newPage();
    const errors = watchErrors(page);
    for (const path of visit) {
      await page.goto(`${s.url}${path}`, { waitUntil: 'load' });
      // Hydration has run once the theme's client-side router reacts (the nav is interactive).
      await page.locator('.VPNav').waitFor();
      if (errors.length > 0) errors.push(`(on ${path})`);
      if (errors.length > 0) break;
    }
    await page.close();
    expect(errors).toEqual([]);
  });

  it('every page links the repository and npm in the nav, and has a footer with the license and versions', async () => {
    const page = await s.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { version } = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', '..', '..', 'packages', 'tensor', 'package.json'), 'utf8'),
    ) as { version: string };
    for (const path of ['/', '/guide/', '/demos/minimax', '/api/']) {
      await page.goto(`${s.url}${path}`, { waitUntil: 'load' });
      const social = await page
        .locator('.VPNavBar .VPSocialLinks a')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      // The nav bar draws them once for wide screens and once in its overflow menu.
      expect([...new Set(social)], path).toEqual([
        'https://github.com/trainlab/trainlab',
        'https://www.npmjs.com/org/trainlab',
      ]);
      const footer = page.getByTestId('site-footer');
      await expect.poll(() => footer.count(), { message: path }).toBe(1);
      expect(await footer.textContent(), path).toMatch(/Apache-2\.0 license/);
      expect(await page.getByTestId('versions').textContent(), path).toContain(`@trainlab/tensor ${version}`);
    }
    await page.close();
  });

  it('bundles TensorFlow.js for the browser without the native binding (the browser build of @trainlab/tensor)', () => {
    const assets = join(SITE, 'assets');
    // The chunks that hold TensorFlow.js (its environment flags survive minification).
    const code = readdirSync(assets, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => ({ f, text: readFileSync(join(assets, f), 'utf8') }))
      .filter(({ text }) => text.includes('WASM_HAS_SIMD_SUPPORT'));
    expect(code.length).toBeGreaterThan(0);
    for (const { f, text } of code) {
      expect(text, f).not.toContain('@tensorflow/tfjs-node');
      expect(text, f).not.toMatch(/require\(["']node:/);
    }
    // The .wasm binaries the page asks for are served by the site.
    expect(readdirSync(join(SITE, 'tfjs')).sort()).toEqual(
      [
        'tfjs-backend-wasm-simd.wasm',
        'tfjs-backend-wasm-threaded-simd.wasm',
        'tfjs-backend-wasm.wasm',
      ].sort(),
    );
  });

  it('the CLI reference lists every command, generated from the command definitions', async () => {
    const { buildProgram } = await import('@trainlab/cli/reference');
    const res = await fetch(`${s.url}/cli`);
    const html = await res.text();
    const walk = (c: { name(): string; commands: readonly unknown[] }, prefix: string): string[] =>
      c.commands.flatMap((sub) => {
        const cmd = sub as { name(): string; commands: readonly unknown[] };
        const name = `${prefix} ${cmd.name()}`;
        return [name, ...walk(cmd, name)];
      });
    const names = walk(buildProgram(), 'trainlab');
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(html, n).toContain(n);
  });

  it('the experiments page lists every experiment with its fields and defaults, generated from the definitions', async () => {
    const { experimentIds } = await import('@trainlab/cli/reference');
    const html = await (await fetch(`${s.url}/experiments`)).text();
    const ids = experimentIds();
    expect(ids.length).toBeGreaterThanOrEqual(10);
    // Each id is a section heading (VitePress gives headings their slug as id).
    for (const id of ids) expect(html, id).toMatch(new RegExp(`<h2 id="${id}"`));
    expect(html).toContain('--d-model');
  });
});
