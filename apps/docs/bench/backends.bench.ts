/**
 * The explorer's default model (12 blocks, d = 64, n = 16, forward + gradients) in headless
 * Chromium on each backend the page can ask for, timed by the page itself (the "… ms" it shows),
 * median of 5 runs after a warm-up, with the ratio to wasm. This is the measurement behind the
 * browser platform passing over a software WebGL in 'auto'. Needs the built site and Chromium.
 *
 *   pnpm --filter @trainlab/docs bench
 */
import { resolve } from 'node:path';
import { writeResults } from '@trainlab/tensor/bench';
import { HAVE_CHROMIUM, open, runs, settled } from '../test/browser';
import setup from '../test/global-setup';

if (!HAVE_CHROMIUM) {
  console.log('backends bench skipped: no Chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');
  process.exit(0);
}
setup();
const session = await open();
const page = await session.browser.newPage();
const rows: { backend: string; message: string; medianMs: number; ratioToWasm?: number }[] = [];
try {
  for (const backend of ['wasm', 'cpu', 'webgl']) {
    await page.goto(`${session.url}/demos/rank-collapse?backend=${backend}`);
    if ((await settled(page, 'rank-collapse', 0)) !== 'ready') throw new Error(`${backend}: the demo failed`);
    const times: number[] = [];
    // Each new seed is a new model and a new run; the first run above was the warm-up.
    for (let seed = 1; seed <= 5; seed++) {
      const before = await runs(page, 'rank-collapse');
      await page.getByTestId('seed').fill(String(seed));
      await settled(page, 'rank-collapse', before);
      const status = (await page.locator('.status').textContent()) ?? '';
      const ms = Number(/· (\d+) ms/.exec(status)?.[1]);
      if (!Number.isFinite(ms)) throw new Error(`${backend}: no time in "${status}"`);
      times.push(ms);
    }
    times.sort((a, b) => a - b);
    const message = (await page.getByTestId('backend').textContent()) ?? '';
    rows.push({ backend, message, medianMs: times[2]! });
  }
} finally {
  await session.close();
}
const wasm = rows.find((r) => r.backend === 'wasm')!.medianMs;
for (const r of rows) r.ratioToWasm = r.medianMs / wasm;
console.log('explorer, default model, headless Chromium (median of 5 runs after a warm-up):');
for (const r of rows) {
  console.log(
    `  ${r.backend.padEnd(6)} ${String(r.medianMs).padStart(6)} ms   ${r.ratioToWasm!.toFixed(2)}× wasm   (${r.message})`,
  );
}
console.log(`written to ${writeResults(resolve(import.meta.dirname, '..'), 'backends', { rows })}`);
