/**
 * Min-max games with known saddle points or known stationary sets, for testing and benchmarking
 * the min-max solvers. Gradients are given where they exist, for measuring stationarity only:
 * the derivative-free solvers never see them.
 */
import { Rng } from '@trainlab/random';
import { checkNumber } from '../errors';

/** A min-max test problem: value, noisy samples, gradients, a start point and what is known of its solution. */
export interface Game {
  name: string;
  description: string;
  x0: Float64Array;
  y0: Float64Array;
  /** f(x, y): the min player chooses x, the max player y. */
  value(x: Float64Array, y: Float64Array): number;
  /** One noisy sample F(x, y, ξ) with E F = f (the stochastic version of the game). */
  sample(x: Float64Array, y: Float64Array, rng: Rng): number;
  gradX(x: Float64Array, y: Float64Array): Float64Array;
  gradY(x: Float64Array, y: Float64Array): Float64Array;
  /** The saddle point, where it is known. */
  saddle?: { x: Float64Array; y: Float64Array };
  /** argmax_y f(x, y), where known in closed form. */
  bestResponse?(x: Float64Array): Float64Array;
  /** ‖∇Φ(x)‖ for Φ(x) = max_y f(x, y), where known in closed form (0 at stationary points of Φ). */
  stationarity?(x: Float64Array): number;
  /** Box bounds of the max player, where the game has them. */
  boundsY?: { lower: Float64Array; upper: Float64Array };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

/** Dense row-major matrix–vector products for the small games. */
function matVec(M: Float64Array[], v: ArrayLike<number>): Float64Array {
  return Float64Array.from(M, (row) => dot(row, v));
}
function matTVec(M: Float64Array[], v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(M[0]!.length);
  M.forEach((row, i) => {
    for (let j = 0; j < row.length; j++) out[j]! += row[j]! * v[i]!;
  });
  return out;
}

/** Solves the symmetric positive definite system S z = r (Cholesky). */
export function solveSpd(S: Float64Array[], r: ArrayLike<number>): Float64Array {
  const n = S.length;
  const L = S.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = S[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = i === j ? Math.sqrt(s) : s / L[j]![j]!;
    }
  }
  const z = Float64Array.from(r);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) z[i]! -= L[i]![k]! * z[k]!;
    z[i]! /= L[i]![i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) z[i]! -= L[k]![i]! * z[k]!;
    z[i]! /= L[i]![i]!;
  }
  return z;
}

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
  };
}

/**
 * Robust least squares: the max player perturbs the targets, f(x, y) = ‖Ax − b − y‖² − λ‖y‖² (λ > 1,
 * so strongly concave in y). y*(x) = −(Ax − b)/(λ − 1) and Φ(x) = λ/(λ − 1)·‖Ax − b‖², so the min
 * player's solution is the least-squares solution. A noisy sample uses one random row:
 * m·(a_iᵀx − b_i − y_i)² − λ‖y‖², whose mean is f.
 */
export function robustLeastSquaresGame(
  options: { m?: number; n?: number; lambda?: number; seed?: number } = {},
): Game {
  const { m = 12, n = 4, lambda = 3, seed = 0 } = options;
  checkNumber('m', m, { min: 1, integer: true });
  checkNumber('n', n, { min: 1, max: m, integer: true });
  checkNumber('lambda', lambda, { min: 1, minOpen: true });
  const rng = new Rng(seed).fork('robust-least-squares');
  const A = Array.from({ length: m }, () => rng.normal(n, 0, 1 / Math.sqrt(n)));
  const b = rng.normal(m);
  const residual = (x: Float64Array, y: Float64Array) =>
    Float64Array.from(A, (row, i) => dot(row, x) - b[i]! - y[i]!);
  const value = (x: Float64Array, y: Float64Array) => {
    const r = residual(x, y);
    return dot(r, r) - lambda * dot(y, y);
  };
  const AtA = Array.from({ length: n }, (_, i) =>
    Float64Array.from({ length: n }, (_, j) => A.reduce((s, row) => s + row[i]! * row[j]!, 0)),
  );
  const xStar = solveSpd(AtA, matTVec(A, b));
  const yOf = (x: Float64Array) => Float64Array.from(A, (row, i) => -(dot(row, x) - b[i]!) / (lambda - 1));
  return {
    name: 'robust-least-squares',
    description: `robust least squares, m = ${m}, n = ${n}, λ = ${lambda}`,
    x0: new Float64Array(n),
    y0: new Float64Array(m),
    value,
    sample: (x, y, r) => {
      const i = r.int(m);
      const ri = dot(A[i]!, x) - b[i]! - y[i]!;
      return m * ri * ri - lambda * dot(y, y);
    },
    gradX: (x, y) => matTVec(A, residual(x, y)).map((v) => 2 * v),
    gradY: (x, y) => residual(x, y).map((ri, i) => -2 * ri - 2 * lambda * y[i]!),
    saddle: { x: xStar, y: yOf(xStar) },
    bestResponse: yOf,
    stationarity: (x) => {
      const r = Float64Array.from(A, (row, i) => dot(row, x) - b[i]!);
      return norm(matTVec(A, r).map((v) => ((2 * lambda) / (lambda - 1)) * v));
    },
  };
}

/**
 * The nonconvex polynomial of Bertsimas, Nohadani & Teo (2010), as printed in their paper.
 */
export function bertsimasPolynomial(x: number, y: number): number {
  return (
    2 * x ** 6 -
    12.2 * x ** 5 +
    21.2 * x ** 4 +
    6.2 * x -
    6.4 * x ** 3 -
    4.7 * x ** 2 +
    y ** 6 -
    11 * y ** 5 +
    43.3 * y ** 4 -
    10 * y -
    74.8 * y ** 3 +
    56.9 * y ** 2 -
    4.1 * x * y -
    0.1 * y ** 2 * x ** 2 +
    0.4 * y ** 2 * x +
    0.4 * x ** 2 * y
  );
}

/** ∇f_poly(x, y), differentiated term by term. */
export function bertsimasGradient(x: number, y: number): [number, number] {
  return [
    12 * x ** 5 -
      61 * x ** 4 +
      84.8 * x ** 3 +
      6.2 -
      19.2 * x ** 2 -
      9.4 * x -
      4.1 * y -
      0.2 * y ** 2 * x +
      0.4 * y ** 2 +
      0.8 * x * y,
    6 * y ** 5 -
      55 * y ** 4 +
      173.2 * y ** 3 -
      10 -
      224.4 * y ** 2 +
      113.8 * y -
      4.1 * x -
      0.2 * y * x ** 2 +
      0.8 * y * x +
      0.4 * x ** 2,
  ];
}

/**
 * The robust polynomial problem of Bertsimas, Nohadani & Teo (2010): min over x ∈ R² of the worst
 * f_poly(x + Δ) over ‖Δ‖ ≤ 0.5. The max player's y = (r, φ) gives Δ = r(cos φ, sin φ) with
 * r ∈ [0, 0.5] (box bounds). Not PL in y: a hard, realistic black-box test. `worstCase(x)` evaluates
 * the robust objective on a fine polar grid.
 */
export function robustPolynomialGame(options: { radius?: number; noise?: number } = {}): Game & {
  worstCase(x: Float64Array): number;
} {
  const { radius = 0.5, noise = 0.1 } = options;
  checkNumber('radius', radius, { min: 0, minOpen: true });
  const value = (x: Float64Array, y: Float64Array) =>
    bertsimasPolynomial(x[0]! + y[0]! * Math.cos(y[1]!), x[1]! + y[0]! * Math.sin(y[1]!));
  return {
    name: 'robust-polynomial',
    description: 'robust polynomial of Bertsimas, Nohadani & Teo (2010), ‖Δ‖ ≤ 0.5',
    x0: Float64Array.of(1, 1),
    y0: Float64Array.of(radius / 2, 0),
    value,
    sample: (x, y, r) => value(x, y) + noise * r.nextNormal(),
    gradX: (x, y) => {
      const [u, v] = [x[0]! + y[0]! * Math.cos(y[1]!), x[1]! + y[0]! * Math.sin(y[1]!)];
      return Float64Array.from(bertsimasGradient(u, v));
    },
    gradY: (x, y) => {
      const [c, sn] = [Math.cos(y[1]!), Math.sin(y[1]!)];
      const [gu, gv] = bertsimasGradient(x[0]! + y[0]! * c, x[1]! + y[0]! * sn);
      return Float64Array.of(gu * c + gv * sn, y[0]! * (-gu * sn + gv * c));
    },
    boundsY: {
      lower: Float64Array.of(0, Number.NEGATIVE_INFINITY),
      upper: Float64Array.of(radius, Number.POSITIVE_INFINITY),
    },
    worstCase: (x) => {
      let worst = Number.NEGATIVE_INFINITY;
      for (let i = 0; i <= 40; i++) {
        for (let k = 0; k < 180; k++) {
          const r = (radius * i) / 40;
          const phi = (2 * Math.PI * k) / 180;
          worst = Math.max(worst, bertsimasPolynomial(x[0]! + r * Math.cos(phi), x[1]! + r * Math.sin(phi)));
        }
      }
      return worst;
    },
  };
}

/**
 * A toy GAN on a 2-D mixture of two Gaussians (modes at (±1.5, 0.5), std 0.3): an affine generator
 * G(z) = Wz + c (x = [W₁₁, W₁₂, W₂₁, W₂₂, c₁, c₂]) against a logistic discriminator on quadratic
 * features, D(u) = σ(v·(u₁, u₂, u₁², u₂², u₁u₂) + v₀) (y = [v₁…v₅, v₀]) with an L2 penalty (λ/2)‖y‖²
 * on the discriminator that makes the max player's problem strongly concave:
 * f(x, y) = E log D(u_real) + E log(1 − D(G(z))) − (λ/2)‖y‖².
 * `value` averages a fixed seeded sample of `size` real points and noise vectors; `sample` draws a
 * fresh minibatch of `batch`.
 */
export function toyGanGame(
  options: { size?: number; batch?: number; penalty?: number; seed?: number } = {},
): Game {
  const { size = 256, batch = 16, penalty = 0.1, seed = 0 } = options;
  checkNumber('size', size, { min: 1, integer: true });
  checkNumber('batch', batch, { min: 1, integer: true });
  checkNumber('penalty', penalty, { min: 0, minOpen: true });
  const drawReal = (r: Rng) => {
    const mode = r.nextFloat() < 0.5 ? -1.5 : 1.5;
    return [mode + 0.3 * r.nextNormal(), 0.5 + 0.3 * r.nextNormal()] as const;
  };
  const drawZ = (r: Rng) => [r.nextNormal(), r.nextNormal()] as const;
  const fixed = new Rng(seed).fork('toy-gan');
  const real = Array.from({ length: size }, () => drawReal(fixed));
  const zs = Array.from({ length: size }, () => drawZ(fixed));
  const features = (u: readonly [number, number]) => [u[0], u[1], u[0] * u[0], u[1] * u[1], u[0] * u[1]];
  const score = (y: Float64Array, u: readonly [number, number]) => {
    const phi = features(u);
    let s = y[5]!;
    for (let k = 0; k < 5; k++) s += y[k]! * phi[k]!;
    return s;
  };
  const gen = (x: Float64Array, z: readonly [number, number]) =>
    [x[0]! * z[0] + x[1]! * z[1] + x[4]!, x[2]! * z[0] + x[3]! * z[1] + x[5]!] as const;
  const softplus = (t: number) => (t > 30 ? t : Math.log1p(Math.exp(t)));
  const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
  const objective = (
    x: Float64Array,
    y: Float64Array,
    reals: (readonly [number, number])[],
    noises: (readonly [number, number])[],
  ) => {
    let f = 0;
    for (const u of reals) f -= softplus(-score(y, u)) / reals.length;
    for (const z of noises) f -= softplus(score(y, gen(x, z))) / noises.length;
    return f - 0.5 * penalty * dot(y, y);
  };
  return {
    name: 'toy-gan',
    description: `toy GAN on a 2-D mixture of Gaussians (affine generator, quadratic logistic discriminator), ${size} samples`,
    x0: Float64Array.of(1, 0, 0, 1, 0, 0),
    y0: new Float64Array(6),
    value: (x, y) => objective(x, y, real, zs),
    sample: (x, y, r) =>
      objective(
        x,
        y,
        Array.from({ length: batch }, () => drawReal(r)),
        Array.from({ length: batch }, () => drawZ(r)),
      ),
    gradX: (x, y) => {
      const g = new Float64Array(6);
      for (const z of zs) {
        const u = gen(x, z);
        const w = -sigmoid(score(y, u)) / zs.length; // ∂/∂s of −softplus(s)
        const ds0 = y[0]! + 2 * y[2]! * u[0] + y[4]! * u[1];
        const ds1 = y[1]! + 2 * y[3]! * u[1] + y[4]! * u[0];
        g[0]! += w * ds0 * z[0];
        g[1]! += w * ds0 * z[1];
        g[2]! += w * ds1 * z[0];
        g[3]! += w * ds1 * z[1];
        g[4]! += w * ds0;
        g[5]! += w * ds1;
      }
      return g;
    },
    gradY: (x, y) => {
      const g = y.map((v) => -penalty * v);
      const add = (u: readonly [number, number], w: number) => {
        const phi = features(u);
        for (let k = 0; k < 5; k++) g[k]! += w * phi[k]!;
        g[5]! += w;
      };
      for (const u of real) add(u, sigmoid(-score(y, u)) / real.length);
      for (const z of zs) {
        const u = gen(x, z);
        add(u, -sigmoid(score(y, u)) / zs.length);
      }
      return g;
    },
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
