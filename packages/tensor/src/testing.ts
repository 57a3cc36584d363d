/**
 * Test helpers (import from `@trainlab/tensor/testing`): leak checks and tolerances by dtype and
 * backend, usable from any test runner (they throw; they do not need Vitest).
 *
 * @module @trainlab/tensor/testing
 */
// Through the package's own name, so that the built `testing` entry shares TensorError and the
// tfjs instance with the main entry instead of bundling copies.
import { TensorError, tf } from '@trainlab/tensor';

/** Options of `expectNoTensorLeak`. */
export interface LeakCheckOptions {
  /** Calls before measuring, so caches that fill once (kernels, constants) are not counted. @defaultValue 1 */
  warmup?: number;
  /** Calls measured. @defaultValue 3 */
  repeats?: number;
  /** Tensors the measured calls may leave behind in total. @defaultValue 0 */
  allowed?: number;
}

/**
 * Fails (throws `E_TENSOR_LEAK`) when `fn` leaves more live tensors behind than `allowed`.
 * Returns the growth per call in tensors and bytes.
 *
 * @example
 * ```ts
 * await expectNoTensorLeak(() => { const y = f(x); y.dispose(); });
 * ```
 */
export async function expectNoTensorLeak(
  fn: () => unknown,
  options: LeakCheckOptions = {},
): Promise<{ tensorsPerCall: number; bytesPerCall: number }> {
  const warmup = options.warmup ?? 1;
  const repeats = options.repeats ?? 3;
  const allowed = options.allowed ?? 0;
  for (let i = 0; i < warmup; i++) await fn();
  const before = tf.memory();
  for (let i = 0; i < repeats; i++) await fn();
  const after = tf.memory();
  const grown = after.numTensors - before.numTensors;
  const bytes = after.numBytes - before.numBytes;
  if (grown > allowed) {
    throw new TensorError(
      'E_TENSOR_LEAK',
      `tensor leak: ${grown} tensors (${bytes} bytes) left after ${repeats} calls (allowed ${allowed}); ` +
        `numTensors went ${before.numTensors} → ${after.numTensors}`,
    );
  }
  return { tensorsPerCall: grown / repeats, bytesPerCall: bytes / repeats };
}

/** A tolerance: |actual − expected| ≤ atol + rtol·|expected| passes. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/**
 * The one table of numerical tolerances the tests compare with, by how a value was computed. The
 * same on every backend the tests run (wasm and cpu compute float32 alike to these bounds); browser
 * tests against Node state their own (V8 builds differ in the last bits of `Math.exp`).
 *
 * - `float32`: a float32 TensorFlow.js pipeline (matmuls, reductions of a few thousand terms)
 *   against a float64 reference.
 * - `float32Op`: a few float32 operations (a softmax row, one optimizer step): a few ulp of 2⁻²³.
 * - `float64`: float64 arithmetic against a closed form or another float64 route.
 * - `finiteDifference`: an analytic gradient against central differences of a float32 function.
 */
export const TOLERANCE = {
  float32: { rtol: 1e-3, atol: 1e-4 },
  float32Op: { rtol: 1e-6, atol: 1e-7 },
  float64: { rtol: 1e-9, atol: 1e-12 },
  finiteDifference: { rtol: 1e-2, atol: 1e-2 },
} as const satisfies Record<string, Tolerance>;

/** The name of a row of {@link TOLERANCE}. */
export type ToleranceName = keyof typeof TOLERANCE;

/** Largest |a − b| / (atol + rtol·|b|) over the entries; ≤ 1 means "close". */
export function closeness(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance = TOLERANCE.float32,
): number {
  if (actual.length !== expected.length) {
    throw new TensorError('E_SHAPE', `closeness: lengths differ (${actual.length} vs ${expected.length})`);
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i]!;
    const r = Math.abs(actual[i]! - e) / (tol.atol + tol.rtol * Math.abs(e));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Number.POSITIVE_INFINITY : r;
  }
  return worst;
}

/**
 * Throws unless `actual` is within `tolerance` of `expected` entry by entry (a number `expected`
 * stands for every entry); the message names the worst entry, both values and the tolerance.
 *
 * @example
 * ```ts
 * expectClose(singularValues(q), 1, 'float64', 'singular values of an orthogonal matrix');
 * ```
 */
export function expectClose(
  actual: number | ArrayLike<number>,
  expected: number | ArrayLike<number>,
  tolerance: ToleranceName | Tolerance = 'float32',
  what = 'value',
): void {
  const tol = typeof tolerance === 'string' ? TOLERANCE[tolerance] : tolerance;
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? a.map(() => expected) : Array.from(expected);
  const worst = closeness(a, e, tol);
  if (worst <= 1) return;
  let at = 0;
  let most = -1;
  for (let i = 0; i < a.length; i++) {
    const r = Math.abs(a[i]! - e[i]!) / (tol.atol + tol.rtol * Math.abs(e[i]!));
    if (!(r <= most)) [at, most] = [i, Number.isNaN(r) ? Number.POSITIVE_INFINITY : r];
  }
  const name = typeof tolerance === 'string' ? `${tolerance} ` : '';
  throw new Error(
    `${what}${a.length > 1 ? `[${at}]` : ''} = ${a[at]} is not within the ${name}tolerance (rtol ${tol.rtol}, atol ${tol.atol}) of ${e[at]} (off by ${worst.toPrecision(3)}× the tolerance)`,
  );
}
