/**
 * Min-max solvers on the games with known solutions: the paper's alternating direct search with
 * its max-player rules ('adaptive' vs 'fixed'), against zeroth-order GDA (same evaluation budget)
 * and GDA with true gradients. Prints the final stationarity ‖∇_x f‖ + ‖∇_y f‖ and evaluations.
 */
import { GAMES, gradientDescentAscent, type MinimaxResult, minimax, zerothOrderGDA } from '../src/index';

const budget = 30_000;
const norm = (v: Float64Array) => Math.hypot(...v);
console.log(`${'game'.padEnd(22)}${'solver'.padEnd(30)}${'status'.padEnd(17)}  evals   ‖∇x‖+‖∇y‖`);
for (const [name, make] of Object.entries(GAMES)) {
  const g = make();
  const f = (x: Float64Array, y: Float64Array) => g.value(x, y);
  const start = { x0: g.x0, y0: g.y0 };
  const max = g.boundsY ? { bounds: { ...g.boundsY, handling: 'projection' as const } } : {};
  const runs: [string, () => Promise<MinimaxResult>][] = [
    ['direct search (adaptive, 10)', () => minimax(f, start, { maxEvaluations: budget, max })],
    [
      'direct search (fixed, 2)',
      () => minimax(f, start, { maxEvaluations: budget, max, maxPlayerRule: 'fixed', maxPlayerSteps: 2 }),
    ],
    [
      'direct search (fixed, 4)',
      () => minimax(f, start, { maxEvaluations: budget, max, maxPlayerRule: 'fixed', maxPlayerSteps: 4 }),
    ],
    ['zeroth-order GDA', () => zerothOrderGDA(f, start, { maxEvaluations: budget, seed: 1 })],
    ['GDA (true gradients)', () => gradientDescentAscent(g, start, { maxEvaluations: budget })],
  ];
  for (const [label, run] of runs) {
    const r = await run();
    const stat = norm(g.gradX(r.x, r.y)) + norm(g.gradY(r.x, r.y));
    console.log(
      `${name.padEnd(22)}${label.padEnd(30)}${r.status.padEnd(17)}${String(r.evaluations).padStart(7)}   ${stat.toExponential(2)}`,
    );
  }
}
