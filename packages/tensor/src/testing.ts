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

/**
 * Absolute/relative tolerances for comparing results of one dtype on one backend.
 * float32 on tfjs: 1e-3 (reductions of a few thousand terms); float64 references: 1e-9.
 */
export const TOLERANCE = {
  float32: { rtol: 1e-3, atol: 1e-4 },
  float64: { rtol: 1e-9, atol: 1e-12 },
} as const;

/** Largest |a − b| / (atol + rtol·|b|) over the entries; ≤ 1 means "close". */
export function closeness(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: { rtol: number; atol: number } = TOLERANCE.float32,
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
