/**
 * Quadratic models from evaluated points, and their minimizer in a trust region: the search step
 * of direct search (Custódio, Rocha & Vicente 2010, SID-PSM; Conn & Le Digabel 2013, NOMAD's
 * quadratic-model search). A model m(s) = c + gᵀs + ½ sᵀHs interpolates the values at the points
 * given; with fewer points than a full quadratic needs ((n + 1)(n + 2)/2) it is the interpolant of
 * minimum Frobenius norm ‖H‖_F (Conn, Scheinberg & Vicente 2009, §5.3), which solves
 *
 *   [ A  Mᵀ ] [ λ ]   [ f ]        A_ij = ½ (s_iᵀ s_j)²,  M = [1 s_jᵀ] (rows),
 *   [ M  0  ] [ μ ] = [ 0 ],       H = Σ_j λ_j s_j s_jᵀ,  (c, g) = μ.
 *
 * Plain float64 arithmetic, no dependencies.
 */

/** δ of the regularized interpolation (unit-scaled steps): far below any value difference that matters. */
const REGULARIZATION = 1e-8;

/** A quadratic model around a center: m(s) = c + gᵀs + ½ sᵀHs (H dense, row-major n × n). */
export interface QuadraticModel {
  c: number;
  g: Float64Array;
  H: Float64Array;
}

/**
 * The minimum-Frobenius-norm quadratic interpolating `values` at `center + steps[j]`, or
 * `undefined` when the points do not determine one (fewer than n + 1, or badly poised). The steps
 * are rescaled to unit length before solving, so the system's conditioning does not depend on
 * how close the points are.
 */
export function fitQuadratic(
  steps: readonly Float64Array[],
  values: readonly number[],
): QuadraticModel | undefined {
  const p = steps.length;
  if (p === 0) return undefined;
  const n = steps[0]!.length;
  if (p < 2) return undefined;
  let radius = 0;
  for (const s of steps) radius = Math.max(radius, Math.hypot(...s));
  if (!(radius > 0)) return undefined;
  const u = steps.map((s) => s.map((v) => v / radius));
  const size = p + n + 1;
  const K = new Float64Array(size * size);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += u[i]![k]! * u[j]![k]!;
      const a = 0.5 * dot * dot;
      K[i * size + j] = a;
      K[j * size + i] = a;
    }
    // M block: the constant and linear terms.
    K[i * size + p] = 1;
    K[p * size + i] = 1;
    for (let k = 0; k < n; k++) {
      K[i * size + p + 1 + k] = u[i]![k]!;
      K[(p + 1 + k) * size + i] = u[i]![k]!;
    }
  }
  // Regularized (δ ≪ any value difference that matters): +δ on the interpolation block relaxes
  // interpolation by ~δ‖λ‖ where the points cannot determine every curvature (a lattice of
  // coordinate steps has no cross terms), −δ on the (c, g) block keeps g flat where the points
  // span only a subspace. Either way a model comes out instead of no model.
  for (let k = 0; k < p; k++) K[k * size + k] = K[k * size + k]! + REGULARIZATION;
  for (let k = p; k < size; k++) K[k * size + k] = -REGULARIZATION;
  const rhs = new Float64Array(size);
  for (let i = 0; i < p; i++) rhs[i] = values[i]!;
  const x = solve(K, rhs, size);
  if (!x) return undefined;
  const c = x[p]!;
  const g = new Float64Array(n);
  for (let k = 0; k < n; k++) g[k] = x[p + 1 + k]! / radius;
  const H = new Float64Array(n * n);
  for (let j = 0; j < p; j++) {
    const l = x[j]! / (radius * radius);
    const s = u[j]!;
    for (let a = 0; a < n; a++) {
      const la = l * s[a]!;
      for (let b = 0; b < n; b++) H[a * n + b] = H[a * n + b]! + la * s[b]!;
    }
  }
  if (!(Number.isFinite(c) && g.every(Number.isFinite) && H.every(Number.isFinite))) return undefined;
  return { c, g, H };
}

/** The model's value at s. */
export function modelValue(m: QuadraticModel, s: ArrayLike<number>): number {
  const n = m.g.length;
  let v = m.c;
  for (let i = 0; i < n; i++) {
    let hs = 0;
    for (let j = 0; j < n; j++) hs += m.H[i * n + j]! * s[j]!;
    v += s[i]! * (m.g[i]! + 0.5 * hs);
  }
  return v;
}

function matVec(H: Float64Array, v: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += H[i * n + j]! * v[j]!;
    out[i] = acc;
  }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i]! * b[i]!;
  return acc;
}

/**
 * An approximate minimizer of the model in the ball ‖s‖ ≤ radius by truncated conjugate gradients
 * (Steihaug 1983, Toint 1981): CG on gᵀs + ½ sᵀHs from s = 0, stopped at the boundary or along a
 * direction of negative curvature. Its first step is the Cauchy point, so the model decrease is at
 * least the Cauchy decrease ½‖g‖ min(radius, ‖g‖/‖H‖).
 */
export function trustRegionStep(m: QuadraticModel, radius: number): Float64Array {
  const n = m.g.length;
  const s = new Float64Array(n);
  const r = Float64Array.from(m.g); // gradient of the model at s
  const d = r.map((v) => -v);
  let rr = dot(r, r);
  const tol = Math.min(0.01, Math.sqrt(Math.sqrt(rr))) * Math.sqrt(rr);
  if (!(rr > 0)) return s;
  for (let k = 0; k < 2 * n + 2; k++) {
    const Hd = matVec(m.H, d, n);
    const curvature = dot(d, Hd);
    if (!(curvature > 0)) return toBoundary(s, d, radius);
    const step = rr / curvature;
    const next = s.map((v, i) => v + step * d[i]!);
    if (Math.hypot(...next) >= radius) return toBoundary(s, d, radius);
    s.set(next);
    for (let i = 0; i < n; i++) r[i] = r[i]! + step * Hd[i]!;
    const rrNext = dot(r, r);
    if (Math.sqrt(rrNext) <= tol) break;
    const beta = rrNext / rr;
    rr = rrNext;
    for (let i = 0; i < n; i++) d[i] = -r[i]! + beta * d[i]!;
  }
  return s;
}

/** s + τd with τ ≥ 0 and ‖s + τd‖ = radius. */
function toBoundary(s: Float64Array, d: Float64Array, radius: number): Float64Array {
  const dd = dot(d, d);
  if (!(dd > 0)) return s;
  const sd = dot(s, d);
  const ss = dot(s, s);
  const tau = (-sd + Math.sqrt(Math.max(0, sd * sd + dd * (radius * radius - ss)))) / dd;
  return s.map((v, i) => v + tau * d[i]!);
}

/** Solves K x = b (K dense, size × size, overwritten) by Gaussian elimination with partial pivoting; undefined if singular. */
function solve(K: Float64Array, b: Float64Array, size: number): Float64Array | undefined {
  let scale = 0;
  for (const v of K) scale = Math.max(scale, Math.abs(v));
  const eps = 1e-13 * Math.max(1, scale);
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let r = col + 1; r < size; r++)
      if (Math.abs(K[r * size + col]!) > Math.abs(K[pivot * size + col]!)) pivot = r;
    if (!(Math.abs(K[pivot * size + col]!) > eps)) return undefined;
    if (pivot !== col) {
      for (let c = 0; c < size; c++) {
        const t = K[col * size + c]!;
        K[col * size + c] = K[pivot * size + c]!;
        K[pivot * size + c] = t;
      }
      const t = b[col]!;
      b[col] = b[pivot]!;
      b[pivot] = t;
    }
    const inv = 1 / K[col * size + col]!;
    for (let r = col + 1; r < size; r++) {
      const f = K[r * size + col]! * inv;
      if (f === 0) continue;
      for (let c = col; c < size; c++) K[r * size + c] = K[r * size + c]! - f * K[col * size + c]!;
      b[r] = b[r]! - f * b[col]!;
    }
  }
  const x = new Float64Array(size);
  for (let r = size - 1; r >= 0; r--) {
    let acc = b[r]!;
    for (let c = r + 1; c < size; c++) acc -= K[r * size + c]! * x[c]!;
    x[r] = acc / K[r * size + r]!;
  }
  return x;
}
