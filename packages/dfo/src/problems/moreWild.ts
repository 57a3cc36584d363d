/**
 * The Moré & Wild (2009) benchmark for derivative-free solvers: 53 problems built from 22
 * nonlinear least-squares functions (Moré, Garbow & Hillstrom 1981, plus Bdqrtic, Cube, Mancino and
 * Heart8), each f(x) = Σ r_i(x)², in four variants. Residuals are written from the published
 * mathematical definitions; data tables are the published ones.
 */
import type { Rng } from '@trainlab/random';
import { DfoError } from '../errors';

type Residuals = (x: Float64Array, m: number) => Float64Array;

interface FunctionDef {
  name: string;
  residuals: Residuals;
  /** The standard starting point for dimension n. */
  start: (n: number) => Float64Array;
}

const fill = (n: number, v: number) => new Float64Array(n).fill(v);
const sum = (x: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
};

const BARD_Y = [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.1, 4.39];
const KOWALIK_Y = [0.1957, 0.1947, 0.1735, 0.16, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246];
const KOWALIK_U = [4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625];
const MEYER_Y = [
  34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005, 5147, 4427, 3820, 3307, 2872,
];
const OSBORNE1_Y = [
  0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.85, 0.818, 0.784, 0.751, 0.718, 0.685, 0.658, 0.628,
  0.603, 0.58, 0.558, 0.538, 0.522, 0.506, 0.49, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.42, 0.414,
  0.411, 0.406,
];
const OSBORNE2_Y = [
  1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746, 0.679, 0.608, 0.655, 0.616,
  0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495,
  0.5, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653, 0.672,
  0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739, 0.71, 0.729, 0.72, 0.636, 0.581,
  0.428, 0.292, 0.162, 0.098, 0.054,
];

/** The 22 functions, numbered as in Moré & Wild (2009), Table 1 (index 0 is function 1). */
export const MORE_WILD_FUNCTIONS: readonly FunctionDef[] = [
  {
    name: 'linear full rank',
    residuals: (x, m) => {
      const n = x.length;
      const s = (2 / m) * sum(x);
      return Float64Array.from({ length: m }, (_, i) => (i < n ? x[i]! : 0) - s - 1);
    },
    start: (n) => fill(n, 1),
  },
  {
    name: 'linear rank 1',
    residuals: (x, m) => {
      let s = 0;
      for (let j = 0; j < x.length; j++) s += (j + 1) * x[j]!;
      return Float64Array.from({ length: m }, (_, i) => (i + 1) * s - 1);
    },
    start: (n) => fill(n, 1),
  },
  {
    name: 'linear rank 1 with zero columns and rows',
    residuals: (x, m) => {
      const n = x.length;
      let s = 0;
      for (let j = 1; j < n - 1; j++) s += (j + 1) * x[j]!;
      return Float64Array.from({ length: m }, (_, i) => (i === 0 || i === m - 1 ? -1 : i * s - 1));
    },
    start: (n) => fill(n, 1),
  },
  {
    name: 'Rosenbrock',
    residuals: (x) => Float64Array.of(10 * (x[1]! - x[0]! ** 2), 1 - x[0]!),
    start: () => Float64Array.of(-1.2, 1),
  },
  {
    name: 'helical valley',
    residuals: (x) => {
      const [x1, x2, x3] = [x[0]!, x[1]!, x[2]!];
      const theta = Math.atan(x2 / x1) / (2 * Math.PI) + (x1 < 0 ? 0.5 : 0);
      const th = x1 === 0 ? (x2 >= 0 ? 0.25 : -0.25) : theta;
      return Float64Array.of(10 * (x3 - 10 * th), 10 * (Math.hypot(x1, x2) - 1), x3);
    },
    start: () => Float64Array.of(-1, 0, 0),
  },
  {
    name: 'Powell singular',
    residuals: (x) =>
      Float64Array.of(
        x[0]! + 10 * x[1]!,
        Math.sqrt(5) * (x[2]! - x[3]!),
        (x[1]! - 2 * x[2]!) ** 2,
        Math.sqrt(10) * (x[0]! - x[3]!) ** 2,
      ),
    start: () => Float64Array.of(3, -1, 0, 1),
  },
  {
    name: 'Freudenstein–Roth',
    residuals: (x) =>
      Float64Array.of(
        -13 + x[0]! + ((5 - x[1]!) * x[1]! - 2) * x[1]!,
        -29 + x[0]! + ((x[1]! + 1) * x[1]! - 14) * x[1]!,
      ),
    start: () => Float64Array.of(0.5, -2),
  },
  {
    name: 'Bard',
    residuals: (x) =>
      Float64Array.from(BARD_Y, (y, k) => {
        const u = k + 1;
        const v = 16 - u;
        const w = Math.min(u, v);
        return y - (x[0]! + u / (v * x[1]! + w * x[2]!));
      }),
    start: () => Float64Array.of(1, 1, 1),
  },
  {
    name: 'Kowalik–Osborne',
    residuals: (x) =>
      Float64Array.from(KOWALIK_Y, (y, k) => {
        const u = KOWALIK_U[k]!;
        return y - (x[0]! * u * (u + x[1]!)) / (u * (u + x[2]!) + x[3]!);
      }),
    start: () => Float64Array.of(0.25, 0.39, 0.415, 0.39),
  },
  {
    name: 'Meyer',
    residuals: (x) =>
      Float64Array.from(MEYER_Y, (y, k) => x[0]! * Math.exp(x[1]! / (45 + 5 * (k + 1) + x[2]!)) - y),
    start: () => Float64Array.of(0.02, 4000, 250),
  },
  {
    name: 'Watson',
    residuals: (x, m) => {
      const n = x.length;
      const r = new Float64Array(m);
      for (let i = 0; i < 29; i++) {
        const t = (i + 1) / 29;
        let s1 = 0;
        let dx = 1;
        for (let j = 1; j < n; j++) {
          s1 += j * x[j]! * dx;
          dx *= t;
        }
        let s2 = 0;
        dx = 1;
        for (let j = 0; j < n; j++) {
          s2 += x[j]! * dx;
          dx *= t;
        }
        r[i] = s1 - s2 * s2 - 1;
      }
      r[29] = x[0]!;
      r[30] = x[1]! - x[0]! ** 2 - 1;
      return r;
    },
    // Moré & Wild start Watson at 0.5·1, not at MGH's 0 (whose ×10 variant would be the same point):
    // checked against their starting-point routine `dfoxs` (problem 11: x = 0.5·ones(n)), published
    // with `dfo.dat` in the BenDFO collection (github.com/POptUS/BenDFO), which defines the 53 problems.
    start: (n) => fill(n, 0.5),
  },
  {
    name: 'Box 3-D',
    residuals: (x, m) =>
      Float64Array.from({ length: m }, (_, k) => {
        const t = 0.1 * (k + 1);
        return Math.exp(-t * x[0]!) - Math.exp(-t * x[1]!) - x[2]! * (Math.exp(-t) - Math.exp(-10 * t));
      }),
    start: () => Float64Array.of(0, 10, 20),
  },
  {
    name: 'Jennrich–Sampson',
    residuals: (x, m) =>
      Float64Array.from({ length: m }, (_, k) => {
        const i = k + 1;
        return 2 + 2 * i - (Math.exp(i * x[0]!) + Math.exp(i * x[1]!));
      }),
    start: () => Float64Array.of(0.3, 0.4),
  },
  {
    name: 'Brown–Dennis',
    residuals: (x, m) =>
      Float64Array.from({ length: m }, (_, k) => {
        const t = (k + 1) / 5;
        return (x[0]! + t * x[1]! - Math.exp(t)) ** 2 + (x[2]! + x[3]! * Math.sin(t) - Math.cos(t)) ** 2;
      }),
    start: () => Float64Array.of(25, 5, -5, -1),
  },
  {
    name: 'Chebyquad',
    residuals: (x, m) => {
      const n = x.length;
      const r = new Float64Array(m);
      for (let j = 0; j < n; j++) {
        // Shifted Chebyshev polynomials T_i(2x − 1) by the three-term recurrence.
        let t1 = 1;
        let t2 = 2 * x[j]! - 1;
        const t = 2 * t2;
        for (let i = 0; i < m; i++) {
          r[i]! += t2;
          const next = t * t2 - t1;
          t1 = t2;
          t2 = next;
        }
      }
      for (let i = 0; i < m; i++) {
        r[i]! /= n;
        const deg = i + 1;
        if (deg % 2 === 0) r[i]! += 1 / (deg * deg - 1); // ∫₀¹ T_deg(2x − 1) dx = −1/(deg² − 1)
      }
      return r;
    },
    start: (n) => Float64Array.from({ length: n }, (_, j) => (j + 1) / (n + 1)),
  },
  {
    name: 'Brown almost-linear',
    residuals: (x) => {
      const n = x.length;
      const s = sum(x) - (n + 1);
      let p = 1;
      for (const v of x) p *= v;
      return Float64Array.from({ length: n }, (_, i) => (i < n - 1 ? x[i]! + s : p - 1));
    },
    start: (n) => fill(n, 0.5),
  },
  {
    name: 'Osborne 1',
    residuals: (x) =>
      Float64Array.from(OSBORNE1_Y, (y, k) => {
        const t = 10 * k;
        return y - (x[0]! + x[1]! * Math.exp(-t * x[3]!) + x[2]! * Math.exp(-t * x[4]!));
      }),
    start: () => Float64Array.of(0.5, 1.5, -1, 0.01, 0.02),
  },
  {
    name: 'Osborne 2',
    residuals: (x) =>
      Float64Array.from(OSBORNE2_Y, (y, k) => {
        const t = k / 10;
        return (
          y -
          (x[0]! * Math.exp(-t * x[4]!) +
            x[1]! * Math.exp(-((t - x[8]!) ** 2) * x[5]!) +
            x[2]! * Math.exp(-((t - x[9]!) ** 2) * x[6]!) +
            x[3]! * Math.exp(-((t - x[10]!) ** 2) * x[7]!))
        );
      }),
    start: () => Float64Array.of(1.3, 0.65, 0.65, 0.7, 0.6, 3, 5, 7, 2, 4.5, 5.5),
  },
  {
    name: 'Bdqrtic',
    residuals: (x) => {
      const n = x.length;
      const r = new Float64Array(2 * (n - 4));
      for (let i = 0; i < n - 4; i++) {
        r[i] = -4 * x[i]! + 3;
        r[n - 4 + i] =
          x[i]! ** 2 + 2 * x[i + 1]! ** 2 + 3 * x[i + 2]! ** 2 + 4 * x[i + 3]! ** 2 + 5 * x[n - 1]! ** 2;
      }
      return r;
    },
    start: (n) => fill(n, 1),
  },
  {
    name: 'Cube',
    residuals: (x) => Float64Array.from(x, (v, i) => (i === 0 ? v - 1 : 10 * (v - x[i - 1]! ** 3))),
    start: (n) => fill(n, 0.5),
  },
  {
    name: 'Mancino',
    residuals: (x) => {
      const n = x.length;
      return Float64Array.from(x, (xi, k) => {
        const i = k + 1;
        let s = 0;
        for (let j = 1; j <= n; j++) {
          const v = Math.sqrt(xi * xi + i / j);
          const l = Math.log(v);
          s += v * (Math.sin(l) ** 5 + Math.cos(l) ** 5);
        }
        return 1400 * xi + (i - 50) ** 3 + s;
      });
    },
    start: (n) =>
      Float64Array.from({ length: n }, (_, k) => {
        const i = k + 1;
        let s = 0;
        for (let j = 1; j <= n; j++) {
          const v = Math.sqrt(i / j);
          const l = Math.log(v);
          s += v * (Math.sin(l) ** 5 + Math.cos(l) ** 5);
        }
        return -8.710996e-4 * ((i - 50) ** 3 + s);
      }),
  },
  {
    name: 'Heart8',
    residuals: (x) => {
      const [a, b, c, d, e, f, g, h] = [-0.69, -0.044, -1.57, -1.31, -2.65, 2, -12.6, 9.48];
      const [x1, x2, x3, x4, x5, x6, x7, x8] = Array.from(x) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      return Float64Array.of(
        x1 + x2 - a,
        x3 + x4 - b,
        x5 * x1 + x6 * x2 - x7 * x3 - x8 * x4 - c,
        x7 * x1 + x8 * x2 + x5 * x3 + x6 * x4 - d,
        x1 * (x5 ** 2 - x7 ** 2) - 2 * x3 * x5 * x7 + x2 * (x6 ** 2 - x8 ** 2) - 2 * x4 * x6 * x8 - e,
        x3 * (x5 ** 2 - x7 ** 2) + 2 * x1 * x5 * x7 + x4 * (x6 ** 2 - x8 ** 2) + 2 * x2 * x6 * x8 - f,
        x1 * x5 * (x5 ** 2 - 3 * x7 ** 2) +
          x3 * x7 * (x7 ** 2 - 3 * x5 ** 2) +
          x2 * x6 * (x6 ** 2 - 3 * x8 ** 2) +
          x4 * x8 * (x8 ** 2 - 3 * x6 ** 2) -
          g,
        x3 * x5 * (x5 ** 2 - 3 * x7 ** 2) -
          x1 * x7 * (x7 ** 2 - 3 * x5 ** 2) +
          x4 * x6 * (x6 ** 2 - 3 * x8 ** 2) -
          x2 * x8 * (x8 ** 2 - 3 * x6 ** 2) -
          h,
      );
    },
    start: () => Float64Array.of(-0.3, -0.39, 0.3, -0.344, -1.2, 2.69, 1.59, -1.5),
  },
];

/** The 53 problems: [function number (1–22), n, m, x0 scaled by 10]. Moré & Wild (2009), Table 1. */
const TABLE: readonly (readonly [number, number, number, boolean])[] = [
  [1, 9, 45, false],
  [1, 9, 45, true],
  [2, 7, 35, false],
  [2, 7, 35, true],
  [3, 7, 35, false],
  [3, 7, 35, true],
  [4, 2, 2, false],
  [4, 2, 2, true],
  [5, 3, 3, false],
  [5, 3, 3, true],
  [6, 4, 4, false],
  [6, 4, 4, true],
  [7, 2, 2, false],
  [7, 2, 2, true],
  [8, 3, 15, false],
  [8, 3, 15, true],
  [9, 4, 11, false],
  [10, 3, 16, false],
  [11, 6, 31, false],
  [11, 6, 31, true],
  [11, 9, 31, false],
  [11, 9, 31, true],
  [11, 12, 31, false],
  [11, 12, 31, true],
  [12, 3, 10, false],
  [13, 2, 10, false],
  [14, 4, 20, false],
  [14, 4, 20, true],
  [15, 6, 6, false],
  [15, 7, 7, false],
  [15, 8, 8, false],
  [15, 9, 9, false],
  [15, 10, 10, false],
  [15, 11, 11, false],
  [16, 10, 10, false],
  [17, 5, 33, false],
  [18, 11, 65, false],
  [18, 11, 65, true],
  [19, 8, 8, false],
  [19, 10, 12, false],
  [19, 11, 14, false],
  [19, 12, 16, false],
  [20, 5, 5, false],
  [20, 6, 6, false],
  [20, 8, 8, false],
  [21, 5, 5, false],
  [21, 5, 5, true],
  [21, 8, 8, false],
  [21, 10, 10, false],
  [21, 12, 12, false],
  [21, 12, 12, true],
  [22, 8, 8, false],
  [22, 8, 8, true],
];

/** The four variants of Moré & Wild (2009), §5. */
export type MoreWildVariant = 'smooth' | 'nondiff' | 'wild' | 'noisy';
/** The four variants of the Moré–Wild benchmark (smooth, nonsmooth, deterministic noise, stochastic noise). */
export const MORE_WILD_VARIANTS: readonly MoreWildVariant[] = ['smooth', 'nondiff', 'wild', 'noisy'];

/** Relative noise level ε_f of the `wild` and `noisy` variants. */
export const MORE_WILD_NOISE = 1e-3;

/** One problem of the Moré–Wild benchmark: dimension, start point, objective and the variant. */
export interface MoreWildProblem {
  /** 1-based position in the table of 53. */
  id: number;
  /** Function number, 1–22. */
  functionNumber: number;
  name: string;
  n: number;
  m: number;
  /** Whether x0 is ten times the standard start. */
  scaled: boolean;
  x0: Float64Array;
  residuals(x: Float64Array): Float64Array;
  /** The smooth objective Σ r_i². */
  f(x: Float64Array): number;
}

/** The 53 problems of the benchmark, in the order of Moré & Wild's table. */
export function moreWildProblems(): MoreWildProblem[] {
  return TABLE.map(([fn, n, m, scaled], k) => {
    const def = MORE_WILD_FUNCTIONS[fn - 1]!;
    const x0 = def.start(n).map((v) => (scaled ? 10 * v : v));
    const residuals = (x: Float64Array) => def.residuals(x, m);
    return {
      id: k + 1,
      functionNumber: fn,
      name: `${def.name} (n=${n}, m=${m}${scaled ? ', 10·x0' : ''})`,
      n,
      m,
      scaled,
      x0,
      residuals,
      f: (x: Float64Array) => {
        const r = residuals(x);
        let s = 0;
        for (const v of r) s += v * v;
        return s;
      },
    };
  });
}

/**
 * φ(x) for the deterministic noise of the `wild` variant: φ₀(x)(4φ₀(x)² − 3) with
 * φ₀(x) = 0.9 sin(100‖x‖₁) cos(100‖x‖_∞) + 0.1 cos(‖x‖₂), which lies in [−1, 1] and oscillates fast.
 */
export function wildNoise(x: Float64Array): number {
  let l1 = 0;
  let linf = 0;
  let l2 = 0;
  for (const v of x) {
    l1 += Math.abs(v);
    linf = Math.max(linf, Math.abs(v));
    l2 += v * v;
  }
  const phi0 = 0.9 * Math.sin(100 * l1) * Math.cos(100 * linf) + 0.1 * Math.cos(Math.sqrt(l2));
  return phi0 * (4 * phi0 * phi0 - 3);
}

/**
 * The objective of a problem in one variant: `smooth` Σ r²; `nondiff` Σ |r|; `wild`
 * (1 + ε_f φ(x)) Σ r² (deterministic noise); `noisy` (1 + ε_f u) Σ r² with u ~ U[−1, 1] drawn from
 * `rng` at every call (stochastic noise).
 */
export function moreWildObjective(
  problem: MoreWildProblem,
  variant: MoreWildVariant,
  rng?: Rng,
): (x: Float64Array) => number {
  switch (variant) {
    case 'smooth':
      return problem.f;
    case 'nondiff':
      return (x) => problem.residuals(x).reduce((s, r) => s + Math.abs(r), 0);
    case 'wild':
      return (x) => (1 + MORE_WILD_NOISE * wildNoise(x)) * problem.f(x);
    case 'noisy': {
      if (!rng)
        throw new DfoError('E_INVALID_ARGUMENT', "rng must be given for the 'noisy' variant, got undefined");
      return (x) => (1 + MORE_WILD_NOISE * (2 * rng.nextFloat() - 1)) * problem.f(x);
    }
    default:
      throw new DfoError(
        'E_INVALID_ARGUMENT',
        `variant must be one of ${MORE_WILD_VARIANTS.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(variant)}`,
      );
  }
}
