/**
 * Every demo, driven in Chromium: change controls, wait for the run, and compare the numbers the
 * page shows with the same computation in Node with the same seed — within float32 tolerance for
 * the TensorFlow.js demo (wasm in both), within a few ulp for the float64 solvers (see `expectSameRun`).
 */
import { initBackend } from '@trainlab/tensor';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEARCH, runSearch, type SearchSettings } from '../lib/directSearch';
import { DEFAULT_GAME, type GameSettings, runGame } from '../lib/minimax';
import { DEFAULT_SETTINGS, type ExplorerSettings, runExplorer } from '../lib/rankCollapse';
import { column, HAVE_CHROMIUM, open, runs, type Session, screenshot, settled, watchErrors } from './browser';

/** |a − b| ≤ abs + rel·|b| elementwise: float32 results of the same kernels. */
function expectClose(shown: number[], expected: number[], rel: number, abs: number, what: string) {
  expect(shown.length, what).toBe(expected.length);
  shown.forEach((v, i) => {
    const e = expected[i]!;
    expect(Math.abs(v - e), `${what}[${i}]: page ${v}, node ${e}`).toBeLessThanOrEqual(
      abs + rel * Math.abs(e),
    );
  });
}
const nums = (values: string[]) => values.map(Number);

/**
 * The float64 solvers run the same JavaScript in both engines, but Chromium's V8 and Node's differ
 * in the last bits of `Math.exp`, `Math.sin` and `x ** y` (Chromium 156 vs Node 20: about one double
 * in ten differs by an ulp), so a test function's value can differ by a few ulp and a run of many
 * iterations carries that along. Counts and statuses must match exactly (a different accepted step
 * would change them); coordinates and values must agree to 1e-10 relative (plus 1e-14 absolute near
 * zero): far below anything the page shows, far above the ~1e-15 drift one run accumulates.
 */
const SAME_RUN = { rel: 1e-10, abs: 1e-14 };
function expectSameFloat(shown: number, expected: number, what: string) {
  expect(Number.isFinite(shown), `${what}: page shows ${shown}`).toBe(Number.isFinite(expected));
  if (!Number.isFinite(expected)) return;
  expect(Math.abs(shown - expected), `${what}: page ${shown}, node ${expected}`).toBeLessThanOrEqual(
    SAME_RUN.abs + SAME_RUN.rel * Math.max(Math.abs(shown), Math.abs(expected)),
  );
}

/** Changes one control and waits for the demo to finish the run it starts; returns its state. */
async function change(page: Page, demo: string, action: (page: Page) => Promise<unknown>) {
  const before = await runs(page, demo);
  await action(page);
  return settled(page, demo, before);
}

describe.skipIf(!HAVE_CHROMIUM)('live demos in Chromium', () => {
  let s: Session;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    s = await open();
    page = await s.browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = watchErrors(page);
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('rank-collapse explorer', () => {
    const demo = 'rank-collapse';
    async function expectMatchesNode(settings: ExplorerSettings) {
      const node = runExplorer(settings);
      expectClose(nums(await column(page, 'cosine-table', 'measured')), node.cosine, 1e-4, 1e-5, 'cosine');
      // A causal mask is outside the theory: no theory column values then.
      if (node.theory.length > 0)
        expectClose(nums(await column(page, 'cosine-table', 'theory')), node.theory, 1e-12, 1e-12, 'theory');
      expectClose(nums(await column(page, 'grad-table', 'entropy')), node.entropy, 1e-4, 1e-5, 'entropy');
      for (const g of ['q', 'k', 'v', 'o'] as const) {
        expectClose(
          nums(await column(page, 'grad-table', g)),
          node.gradients.map((r) => r[g]),
          1e-3,
          1e-6,
          `‖∂W_${g}‖`,
        );
      }
      return node;
    }

    it('runs on wasm (software WebGL passed over) and shows what Node computes with the same seed', async () => {
      await page.goto(`${s.url}/demos/rank-collapse`);
      expect(await settled(page, demo, 0)).toBe('ready');
      const backend = await page.getByTestId('backend').textContent();
      expect(backend).toMatch(/^backend: wasm \(SIMD, \d+ threads?\), tfjs 4\.22\.0 — webgl skipped: /);
      // The model runs on a worker thread, not on the page's main thread.
      expect(page.workers().map((w) => w.url())).toContainEqual(expect.stringMatching(/explorer\.worker/));
      const node = await expectMatchesNode(DEFAULT_SETTINGS);
      // Post-LN, α = 1, 12 blocks: the tokens collapse and the query/key gradients vanish.
      expect(node.cosine.at(-1)).toBeGreaterThan(0.95);
      expect(node.gradients.at(-1)!.q / node.gradients[0]!.q).toBeLessThan(0.05);
      await expect
        .poll(() => page.getByTestId('cosine-chart').locator('path').count())
        .toBeGreaterThanOrEqual(2);
      await screenshot(page, 'rank-collapse-default');
    });

    it('follows every control: depth, α = 1/√L, Pre-LN, MLP, width, tokens, seed, Q/K σ, τ, MLP init, causal mask', async () => {
      const settings: ExplorerSettings = { ...DEFAULT_SETTINGS };
      const steps: [string, (p: Page) => Promise<unknown>, Partial<ExplorerSettings>][] = [
        ['depth', (p) => p.getByTestId('depth').fill('24'), { depth: 24 }],
        ['alpha', (p) => p.getByTestId('alpha').selectOption('inv-sqrt-depth'), { alpha: 'inv-sqrt-depth' }],
      ];
      for (const [control, action, patch] of steps) {
        expect(await change(page, demo, action), control).toBe('ready');
        Object.assign(settings, patch);
      }
      const scaled = await expectMatchesNode(settings);
      // With α = 1/√L the tokens keep their diversity at depth 24.
      expect(scaled.cosine.at(-1)).toBeLessThan(0.5);
      await screenshot(page, 'rank-collapse-inv-sqrt-depth');

      const more: [string, (p: Page) => Promise<unknown>, Partial<ExplorerSettings>][] = [
        ['norm', (p) => p.getByTestId('norm').selectOption('pre'), { norm: 'pre' }],
        ['mlp', (p) => p.getByTestId('mlp').check(), { mlp: true }],
        ['width', (p) => p.getByTestId('width').selectOption('32'), { dModel: 32 }],
        ['tokens', (p) => p.getByTestId('tokens').fill('8'), { n: 8 }],
        ['seed', (p) => p.getByTestId('seed').fill('3'), { seed: 3 }],
      ];
      for (const [control, action, patch] of more) {
        expect(await change(page, demo, action), control).toBe('ready');
        Object.assign(settings, patch);
      }
      await expectMatchesNode(settings);
      await screenshot(page, 'rank-collapse-pre-ln-mlp');

      // Uniform attention is the theory's own model: at a width where finite-size noise is small,
      // measurement and prediction agree at every layer (gap 0.013–0.035 over seeds 0, 1, 3).
      for (const [control, action] of [
        ['attention', (p: Page) => p.getByTestId('attention').selectOption('uniform')],
        ['width', (p: Page) => p.getByTestId('width').selectOption('128')],
        ['tokens', (p: Page) => p.getByTestId('tokens').fill('32')],
      ] as const) {
        expect(await change(page, demo, action), control).toBe('ready');
      }
      const exact = await expectMatchesNode({ ...settings, attention: 'uniform', dModel: 128, n: 32 });
      const gap = Math.max(...exact.cosine.map((c, l) => Math.abs(c - exact.theory[l]!)));
      expect(gap).toBeLessThan(0.06);
      await screenshot(page, 'rank-collapse-uniform');
      await change(page, demo, (p) => p.getByTestId('attention').selectOption('softmax'));
      Object.assign(settings, { dModel: 128, n: 32 });

      // The other failure mode: a large Q/K init σ concentrates attention (entropy → 0).
      const knobs: [string, (p: Page) => Promise<unknown>, Partial<ExplorerSettings>][] = [
        ['qk-scale', (p) => p.getByTestId('qk-scale').selectOption('8'), { qkScale: 8 }],
        ['tau', (p) => p.getByTestId('tau').fill('0.5'), { tau: 0.5 }],
        ['mlp1', (p) => p.getByTestId('mlp1').selectOption({ label: '√2 (He)' }), { mlp1: Math.SQRT2 }],
      ];
      for (const [control, action, patch] of knobs) {
        expect(await change(page, demo, action), control).toBe('ready');
        Object.assign(settings, patch);
      }
      const concentrated = await expectMatchesNode(settings);
      expect(Math.max(...concentrated.entropy)).toBeLessThan(0.5);
      expect(await change(page, demo, (p) => p.getByTestId('causal').check()), 'causal').toBe('ready');
      const causal = await expectMatchesNode({ ...settings, causal: true });
      expect(causal.theory).toEqual([]);
      await screenshot(page, 'rank-collapse-knobs');
      for (const action of [
        (p: Page) => p.getByTestId('causal').uncheck(),
        (p: Page) => p.getByTestId('qk-scale').selectOption('1'),
        (p: Page) => p.getByTestId('tau').fill('1'),
        (p: Page) => p.getByTestId('mlp1').selectOption({ label: '1' }),
      ])
        await change(page, demo, action);
    });

    it('runs on the backend the address asks for: cpu, and WebGL (SwiftShader here), with the same numbers', async () => {
      for (const backend of ['cpu', 'webgl']) {
        await page.goto(`${s.url}/demos/rank-collapse?backend=${backend}`);
        expect(await settled(page, demo, 0), backend).toBe('ready');
        expect(await page.getByTestId('backend').textContent()).toMatch(
          new RegExp(`^backend: ${backend}\\b.* — requested by option$`),
        );
        await expectMatchesNode(DEFAULT_SETTINGS);
      }
      await page.goto(`${s.url}/demos/rank-collapse`);
      expect(await settled(page, demo, 0)).toBe('ready');
    });

    it('shows the package’s own error for a bad setting, and recovers', async () => {
      await change(page, demo, (p) => p.getByTestId('alpha').selectOption('free'));
      const state = await change(page, demo, (p) => p.getByTestId('alpha-value').fill('-1'));
      expect(state).toBe('error');
      expect(await page.getByTestId('error').textContent()).toMatch(/residualScale/);
      expect(await change(page, demo, (p) => p.getByTestId('alpha-value').fill('0.3'))).toBe('ready');
    });
  });

  describe('direct-search visualiser', () => {
    const demo = 'direct-search';
    async function expectMatchesNode(settings: SearchSettings) {
      const node = await runSearch(settings);
      const shown = async (col: string) => (await column(page, 'search-result', col))[0]!;
      expect(await shown('status')).toBe(node.result.status);
      expect(Number(await shown('evaluations'))).toBe(node.result.evaluations);
      expect(Number(await shown('iterations'))).toBe(node.result.iterations);
      // Plain float64 JavaScript in both: the same run, up to the engines' last-bit differences.
      expectSameFloat(Number(await shown('x')), node.result.x, 'x');
      expectSameFloat(Number(await shown('y')), node.result.y, 'y');
      expectSameFloat(Number(await shown('value')), node.result.value, 'value');
      expectSameFloat(Number(await shown('step')), node.result.stepSize, 'step');
      // Every poll point inside the window is drawn.
      const [x0, x1, y0, y1] = (await import('../lib/directSearch')).testFunction(settings.fn).window;
      const polls = node.evaluations.filter(
        (e) => e.phase === 'poll' && e.x >= x0 && e.x <= x1 && e.y >= y0 && e.y <= y1,
      );
      expect(await page.getByTestId('search-plane').locator('circle[fill="#7a7a7a"]').count()).toBe(
        polls.length,
      );
      return node;
    }

    it('shows the run Node computes, for the defaults and after changing function, search, poll set, polling, forcing and noise', async () => {
      await page.goto(`${s.url}/demos/direct-search`);
      expect(await settled(page, demo, 0)).toBe('ready');
      await expectMatchesNode(DEFAULT_SEARCH);
      await screenshot(page, 'direct-search-default');

      const settings: SearchSettings = { ...DEFAULT_SEARCH };
      const steps: [string, (p: Page) => Promise<unknown>, Partial<SearchSettings>][] = [
        ['fn', (p) => p.getByTestId('fn').selectOption('himmelblau'), { fn: 'himmelblau' }],
        ['search', (p) => p.getByTestId('search').selectOption('none'), { search: 'none' }],
        [
          'poll-set',
          (p) => p.getByTestId('poll-set').selectOption('probabilistic'),
          { pollSet: 'probabilistic' },
        ],
        ['polling', (p) => p.getByTestId('polling').selectOption('complete'), { polling: 'complete' }],
        [
          'forcing-constant',
          (p) => p.getByTestId('forcing-constant').fill('0.01'),
          { forcingConstant: 0.01 },
        ],
      ];
      for (const [control, action, patch] of steps) {
        expect(await change(page, demo, action), control).toBe('ready');
        Object.assign(settings, patch);
      }
      const node = await expectMatchesNode(settings);
      expect(node.result.status).toBe('min-step');
      expect(node.result.value).toBeLessThan(1e-6); // one of Himmelblau's four minima
      await screenshot(page, 'direct-search-himmelblau');

      // A noisy oracle: estimates average up to 1000 samples each, so the budget has to grow.
      expect(await change(page, demo, (p) => p.getByTestId('noise').fill('0.05'))).toBe('ready');
      const budget = (p: Page) => p.getByTestId('max-evaluations').fill('100000');
      expect(await change(page, demo, budget)).toBe('ready');
      const noisy = await expectMatchesNode({ ...settings, noise: 0.05, maxEvaluations: 100_000 });
      expect(Math.hypot(noisy.result.x - 3, noisy.result.y - 2)).toBeLessThan(0.05);
      await screenshot(page, 'direct-search-noisy');
    });
  });

  describe('min-max visualiser', () => {
    const demo = 'minimax';
    async function expectMatchesNode(settings: GameSettings) {
      const node = await runGame(settings);
      for (const t of node) {
        const row = page.getByTestId('game-result').locator(`tr[data-method="${t.method}"]`);
        const value = (col: string) => row.locator(`td[data-col="${col}"]`).getAttribute('data-value');
        expectSameFloat(Number(await value('x')), t.final.x, `${t.method} x`);
        expectSameFloat(Number(await value('y')), t.final.y, `${t.method} y`);
        expectSameFloat(Number(await value('value')), t.final.value, `${t.method} value`);
        expect(Number(await value('evaluations')), t.method).toBe(t.final.evaluations);
        expect(Number(await value('rounds')), t.method).toBe(t.final.rounds);
        expect(await value('status'), t.method).toBe(t.final.status);
      }
      // One trajectory per method, each with a segment per round.
      const paths = await page
        .getByTestId('game-plane')
        .locator('path[stroke-width="2"]')
        .evaluateAll((ps) =>
          Object.fromEntries(
            ps.map((p) => [p.getAttribute('data-id'), (p.getAttribute('d') ?? '').split('L').length]),
          ),
        );
      expect(paths).toEqual(Object.fromEntries(node.map((t) => [t.method, t.points.length])));
      return node;
    }

    it('draws the three methods’ trajectories Node computes, for the defaults and another game with noise', async () => {
      await page.goto(`${s.url}/demos/minimax`);
      expect(await settled(page, demo, 0)).toBe('ready');
      const node = await expectMatchesNode(DEFAULT_GAME);
      // The paper's method reaches the saddle of the two-sided PL game.
      expect(node.find((t) => t.method === 'direct-search')!.distance).toBeLessThan(1e-6);
      await screenshot(page, 'minimax-default');

      const settings: GameSettings = { ...DEFAULT_GAME };
      for (const [control, action, patch] of [
        ['game', (p: Page) => p.getByTestId('game').selectOption('quadratic'), { game: 'quadratic' }],
        ['noise', (p: Page) => p.getByTestId('noise').fill('0.1'), { noise: 0.1 }],
        ['seed', (p: Page) => p.getByTestId('seed').fill('2'), { seed: 2 }],
      ] as const) {
        expect(await change(page, demo, action), control).toBe('ready');
        Object.assign(settings, patch);
      }
      await expectMatchesNode(settings);
      await screenshot(page, 'minimax-quadratic-noisy');
    });
  });

  it('draws charts a reader takes in at a glance, with controls that show their whole text', async () => {
    for (const path of ['/demos/rank-collapse', '/demos/direct-search', '/demos/minimax']) {
      await page.goto(`${s.url}${path}`);
      const demo = path.split('/').at(-1)!;
      expect(await settled(page, demo, 0), path).toBe('ready');
      const charts = await page.locator('svg.chart').evaluateAll((svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const viewBox = (svg as SVGSVGElement).viewBox.baseVal.width;
          const text = svg.querySelector('text');
          const fontSize = text ? Number.parseFloat(getComputedStyle(text).fontSize) : 0;
          return {
            id: svg.getAttribute('data-testid'),
            width: box.width,
            fontPx: (fontSize * box.width) / viewBox,
          };
        }),
      );
      expect(charts.length, path).toBeGreaterThan(0);
      for (const c of charts) {
        // Wide enough to read (the demo column is ~880 px; a square plane is kept smaller).
        expect(c.width, `${path} ${c.id}`).toBeGreaterThanOrEqual(c.id?.includes('plane') ? 480 : 600);
        expect(c.fontPx, `${path} ${c.id}: axis text size on screen`).toBeGreaterThanOrEqual(12);
      }
      // No select box cuts its options' text.
      const cut = await page.locator('.demo select').evaluateAll((selects) => {
        const ctx = document.createElement('canvas').getContext('2d')!;
        return selects.flatMap((sel) => {
          ctx.font = getComputedStyle(sel).font;
          const widest = Math.max(
            ...Array.from((sel as HTMLSelectElement).options).map((o) => ctx.measureText(o.text).width),
          );
          // Room for the text plus the dropdown arrow.
          return widest + 20 > sel.clientWidth
            ? [`${sel.getAttribute('data-testid')}: ${widest.toFixed(0)} px of text in ${sel.clientWidth} px`]
            : [];
        });
      });
      expect(cut, path).toEqual([]);
    }
    // GDA and zeroth-order GDA differ in colour, dash and width, so neither hides the other.
    await page.goto(`${s.url}/demos/minimax`);
    expect(await settled(page, 'minimax', 0)).toBe('ready');
    const styles = await page
      .getByTestId('game-plane')
      .locator('path[stroke-width="2"]')
      .evaluateAll((ps) =>
        ps.map((p) =>
          [
            p.getAttribute('stroke'),
            p.getAttribute('stroke-dasharray'),
            getComputedStyle(p).strokeWidth,
          ].join(' '),
        ),
      );
    expect(new Set(styles).size).toBe(styles.length);
    expect(styles).toHaveLength(3);
  });

  it('logged no console error, uncaught exception or failed request on any demo', () => {
    expect(errors).toEqual([]);
  });
});
