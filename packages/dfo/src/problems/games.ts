/**
 * Min-max games with known saddle points or known stationary sets, for testing and benchmarking
 * the min-max solvers. Gradients are given where they exist, for measuring stationarity only:
 * the derivative-free solvers never see them.
 */
import { Rng } from '@trainlab/random';
import { checkNumber, invalid } from '../errors';
import { dot, type Game, matTVec, matVec, norm } from './_game';
import { robustLeastSquaresGame, robustPolynomialGame, toyGanGame } from './robustGames';

export type { Game } from './_game';
export { solveSpd } from './_game';
export {
  bertsimasGradient,
  bertsimasPolynomial,
  robustLeastSquaresGame,
  robustPolynomialGame,
  toyGanGame,
} from './robustGames';

/**
 * A strongly-convex–strongly-concave quadratic game
 * f(x, y) = ½(x − a)ᵀA(x − a) + (x − a)ᵀB(y − b) − ½(y − b)ᵀC(y − b), with A, C diagonal positive and B
 * Gaussian; the saddle point is (a, b). Noisy samples add N(0, noise²).
 */
export function quadraticGame(options: { n?: number; m?: number; seed?: number; noise?: number } = {}): Game {
  const { n = 3, m = 3, seed = 0, noise = 0.1 } = options;
  checkNumber('n', n, { min: 1, integer: true });
  checkNumber('m', m, { min: 1, integer: true });
  checkNumber('noise', noise, { min: 0 });
  const rng = new Rng(seed).fork('quadratic-game');
  const a = rng.uniform(n, -1, 1);
  const b = rng.uniform(m, -1, 1);
  const A = Float64Array.from({ length: n }, (_, i) => 1 + i / Math.max(1, n - 1));
  const C = Float64Array.from({ length: m }, (_, j) => 1 + j / Math.max(1, m - 1));
  const B = Array.from({ length: n }, () => rng.normal(m, 0, 1 / Math.sqrt(m)));
  const value = (x: Float64Array, y: Float64Array) => {
    const dx = x.map((v, i) => v - a[i]!);
    const dy = y.map((v, j) => v - b[j]!);
    let f = 0;
    for (let i = 0; i < n; i++) f += 0.5 * A[i]! * dx[i]! ** 2 + dx[i]! * dot(B[i]!, dy);
    for (let j = 0; j < m; j++) f -= 0.5 * C[j]! * dy[j]! ** 2;
    return f;
  };
  // Φ(x) = ½ dxᵀ(A + B C⁻¹ Bᵀ)dx, so ∇Φ = (A + B C⁻¹ Bᵀ) dx.
  const bestResponse = (x: Float64Array) => {
    const bt = matTVec(
      B,
      x.map((v, i) => v - a[i]!),
    );
    return b.map((bj, j) => bj + bt[j]! / C[j]!);
  };
  return {
    name: 'quadratic',
    description: `strongly-convex–strongly-concave quadratic, n = ${n}, m = ${m}`,
    x0: new Float64Array(n).fill(2),
    y0: new Float64Array(m).fill(-2),
    value,
    sample: (x, y, r) => value(x, y) + noise * r.nextNormal(),
    gradX: (x, y) => {
      const dx = x.map((v, i) => v - a[i]!);
      const g = matVec(
        B,
        y.map((v, j) => v - b[j]!),
      );
      return g.map((gi, i) => gi + A[i]! * dx[i]!);
    },
    gradY: (x, y) => {
      const g = matTVec(
        B,
        x.map((v, i) => v - a[i]!),
      );
      return g.map((gj, j) => gj - C[j]! * (y[j]! - b[j]!));
    },
    saddle: { x: Float64Array.from(a), y: Float64Array.from(b) },
    bestResponse,
    stationarity: (x) => {
      const dx = x.map((v, i) => v - a[i]!);
      const inner = matTVec(B, dx).map((v, j) => v / C[j]!);
      const g = matVec(B, inner).map((v, i) => v + A[i]! * dx[i]!);
      return norm(g);
    },
  };
}

/**
 * A nonconvex–PL game: f(x, y) = ¼Σ(x_i² − 1)² + yᵀx − ‖y‖². The max player's problem is strongly
 * concave (so PL) with y*(x) = x/2, and Φ(x) = ¼Σ(x_i² − 1)² + ¼‖x‖² is a nonconvex double well with
 * ∇Φ_i = x_i³ − x_i/2: stationary where every x_i ∈ {0, ±1/√2}, minimal where every |x_i| = 1/√2.
 */
export function nonconvexPLGame(options: { n?: number; noise?: number } = {}): Game {
  const { n = 2, noise = 0.1 } = options;
  checkNumber('n', n, { min: 1, integer: true });
  checkNumber('noise', noise, { min: 0 });
  const value = (x: Float64Array, y: Float64Array) => {
    let f = 0;
    for (let i = 0; i < n; i++) f += 0.25 * (x[i]! ** 2 - 1) ** 2 + y[i]! * x[i]! - y[i]! ** 2;
    return f;
  };
  return {
    name: 'nonconvex-pl',
    description: `nonconvex–PL double well, n = ${n}`,
    x0: Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1.5 : -1.2)),
    y0: new Float64Array(n),
    value,
    sample: (x, y, r) => value(x, y) + noise * r.nextNormal(),
    gradX: (x, y) => x.map((xi, i) => xi * (xi * xi - 1) + y[i]!),
    gradY: (x, y) => y.map((yi, i) => x[i]! - 2 * yi),
    bestResponse: (x) => x.map((v) => v / 2),
    stationarity: (x) => norm(x.map((v) => v ** 3 - v / 2)),
  };
}

/**
 * The two-sided PL game of Yang, Kiyavash & He (2020): f(x, y) = x² + 3 sin²x sin²y − 4y² − 10 sin²y,
 * nonconvex in x and nonconcave in y but PL in each; its unique saddle point is (0, 0).
 */
export function twoSidedPLGame(options: { noise?: number } = {}): Game {
  const { noise = 0.1 } = options;
  checkNumber('noise', noise, { min: 0 });
  const value = (x: Float64Array, y: Float64Array) => {
    const sx = Math.sin(x[0]!) ** 2;
    const sy = Math.sin(y[0]!) ** 2;
    return x[0]! ** 2 + 3 * sx * sy - 4 * y[0]! ** 2 - 10 * sy;
  };
  return {
    name: 'two-sided-pl',
    description: 'two-sided PL game of Yang et al. (2020)',
    x0: Float64Array.of(3),
    y0: Float64Array.of(-2),
    value,
    sample: (x, y, r) => value(x, y) + noise * r.nextNormal(),
    gradX: (x, y) => Float64Array.of(2 * x[0]! + 3 * Math.sin(2 * x[0]!) * Math.sin(y[0]!) ** 2),
    gradY: (x, y) =>
      Float64Array.of(3 * Math.sin(x[0]!) ** 2 * Math.sin(2 * y[0]!) - 8 * y[0]! - 10 * Math.sin(2 * y[0]!)),
    saddle: { x: Float64Array.of(0), y: Float64Array.of(0) },
    // In y both terms are ≤ 0 and vanish at y = 0, so y*(x) = 0 and Φ(x) = x².
    bestResponse: () => Float64Array.of(0),
    stationarity: (x) => Math.abs(2 * x[0]!),
  };
}

/** Every game, by name, with its default options. */
export const GAMES: Readonly<Record<string, () => Game>> = {
  quadratic: () => quadraticGame(),
  'nonconvex-pl': () => nonconvexPLGame(),
  'two-sided-pl': () => twoSidedPLGame(),
  'robust-least-squares': () => robustLeastSquaresGame(),
  'robust-polynomial': () => robustPolynomialGame(),
  'toy-gan': () => toyGanGame(),
};

/**
 * A game's stochastic oracle for the min-max solvers. `'shared'`: samples draw their noise from the
 * solver's stream, so with common random numbers (the solvers' default) the points of one
 * comparison see the same noise and differences are exact. `'independent'`: every call draws fresh
 * noise from the oracle's own stream (seeded, so runs repeat), as a physical experiment would; this
 * is the honest test of a method's sample-size rule.
 */
export function gameOracle(
  game: Game,
  options: { noise?: 'shared' | 'independent'; seed?: number } = {},
): { sample(x: Float64Array, y: Float64Array, rng: Rng): number } {
  const noise = options.noise ?? 'shared';
  if (noise === 'shared') return { sample: (x, y, rng) => game.sample(x, y, rng) };
  if (noise !== 'independent') throw invalid('noise', "'shared' or 'independent'", noise);
  const own = new Rng(options.seed ?? 0).fork(`independent-noise/${game.name}`);
  return { sample: (x, y) => game.sample(x, y, own) };
}
