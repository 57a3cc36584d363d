/** Debian's Chromium driven by playwright-core, and the built site served on localhost. */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
// @ts-expect-error plain ES module without types
import { serve } from '../scripts/serve.mjs';

/** Where Chromium is: CHROMIUM_PATH, else Debian's package (`apt-get install -y chromium`). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Whether the browser tests can run here. In CI they must (`.ci/run` installs Chromium). */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI) {
  throw new Error(`Chromium not found at ${CHROMIUM}: CI must install it (apt-get install -y chromium)`);
}
if (!HAVE_CHROMIUM) {
  process.stderr.write(
    `docs: browser tests skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)\n`,
  );
}

export const SITE = resolve(import.meta.dirname, '..', '.vitepress', 'dist');
/** Screenshots of every demo, kept as test artifacts. */
export const SHOTS = resolve(import.meta.dirname, '..', 'test-results', 'screenshots');

export interface Session {
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function open(): Promise<Session> {
  const server = (await serve(SITE)) as { url: string; close(): Promise<void> };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    url: server.url,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Console errors and uncaught exceptions of a page, collected as they happen. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => {
    // VitePress prefetches the chunks of linked pages; leaving the page aborts those, harmlessly.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return errors;
}

/** Waits until the demo has finished a run after `runsBefore` (state ready or error). */
export async function settled(page: Page, testid: string, runsBefore: number): Promise<'ready' | 'error'> {
  const demo = page.getByTestId(testid);
  await page.waitForFunction(
    ([id, before]) => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      const state = el?.getAttribute('data-state');
      return (
        Number(el?.getAttribute('data-runs') ?? 0) > (before as number) &&
        (state === 'ready' || state === 'error')
      );
    },
    [testid, runsBefore] as const,
    { timeout: 120_000 },
  );
  return (await demo.getAttribute('data-state')) as 'ready' | 'error';
}

/** The number of runs a demo has finished. */
export async function runs(page: Page, testid: string): Promise<number> {
  return Number(await page.getByTestId(testid).getAttribute('data-runs'));
}

/** The `data-value`s of the cells of column `col` in a table, as numbers (or strings). */
export async function column(page: Page, table: string, col: string): Promise<string[]> {
  return page
    .getByTestId(table)
    .locator(`td[data-col="${col}"]`)
    .evaluateAll((tds) => tds.map((td) => td.getAttribute('data-value') ?? ''));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
