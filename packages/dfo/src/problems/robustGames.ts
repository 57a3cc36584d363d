/**
 * The min-max games with a robustness story: robust least squares, Bertsimas et al.'s robust
 * polynomial, and a toy GAN (a 1-D Gaussian generator against a logistic discriminator).
 */
import { Rng } from '@trainlab/random';
import { checkNumber } from '../errors';
import { dot, type Game, matTVec, norm, solveSpd } from './_game';

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
  const game: Game = {
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
  // The discriminator's problem is strongly concave (the penalty): its best response by gradient
  // ascent with backtracking, to ‖∇y f‖ ≤ 1e-10; then ∇Φ(x) = ∇x f(x, y*(x)) (Danskin).
  // Warm-started from the last answer (consecutive calls come from nearby x); the maximizer is
  // unique, so the answer does not depend on where the ascent starts.
  let warm: Float64Array = new Float64Array(6);
  const bestResponse = (x: Float64Array) => {
    let y: Float64Array = Float64Array.from(warm);
    let fy = game.value(x, y);
    for (let it = 0; it < 10_000; it++) {
      const g = game.gradY(x, y);
      const gg = dot(g, g);
      if (gg <= 1e-20) break;
      let t = 1;
      for (;;) {
        const next = y.map((v, i) => v + t * g[i]!);
        const fn = game.value(x, next);
        if (fn >= fy + 0.25 * t * gg || t < 1e-12) {
          y = next;
          fy = fn;
          break;
        }
        t /= 2;
      }
    }
    warm = y;
    return Float64Array.from(y);
  };
  return {
    ...game,
    bestResponse,
    stationarity: (x) => norm(game.gradX(x, bestResponse(x))),
  };
}
