/**
 * Matrix products that stay on the fast path of every backend.
 *
 * On the wasm backend a `matMul` with `transposeA`/`transposeB`, or with a batch dimension, misses
 * XNNPACK's GEMM and runs about 10× slower than a plain 2-D product (measured in
 * `bench/matmul.bench.ts`). An explicit transpose costs O(n²) against the product's O(n³), so
 * `matmul` transposes first, folds a batch into rows when the right factor is shared, and splits a
 * true batch into 2-D products. `registerFastGradients` gives `BatchMatMul` a gradient built the
 * same way (tfjs's own one uses the transpose flags).
 */
import { TensorError } from './errors';
import { type Tensor, tf } from './tf';

/** Transposes of `matmul`, applied to the last two axes. */
export interface MatmulOptions {
  /** Use aᵀ (the last two axes swapped). @defaultValue false */
  transposeA?: boolean;
  /** Use bᵀ (the last two axes swapped). @defaultValue false */
  transposeB?: boolean;
}

/** Swaps the last two axes. */
export function transposeLast(x: Tensor): Tensor {
  if (x.rank < 2)
    throw new TensorError('E_SHAPE', `transposeLast needs a tensor of rank ≥ 2, got shape [${x.shape}]`);
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

/**
 * `op(a) · op(b)` over the last two axes, with op = transpose when asked, as fast plain 2-D products.
 *
 * Shapes: `a` `[..., m, k]` (or `[..., k, m]` with `transposeA`), `b` `[k, n]` (shared by every batch
 * entry) or `[..., k, n]` with the same batch axes as `a`. Other broadcasts go to `tf.matMul`.
 *
 * @example
 * ```ts
 * const scores = matmul(q, k, { transposeB: true }); // [n, n] = Q Kᵀ
 * ```
 * @throws {TensorError} `E_SHAPE` when a factor has rank < 2 or the inner dimensions differ.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  if (a.rank < 2 || b.rank < 2) {
    throw new TensorError('E_SHAPE', `matmul needs rank ≥ 2 factors, got a [${a.shape}] and b [${b.shape}]`);
  }
  const kA = a.shape[transposeA ? a.rank - 2 : a.rank - 1];
  const kB = b.shape[transposeB ? b.rank - 1 : b.rank - 2];
  if (kA !== kB) {
    throw new TensorError(
      'E_SHAPE',
      `matmul inner dimensions differ: a [${a.shape}]${transposeA ? 'ᵀ' : ''} · b [${b.shape}]${transposeB ? 'ᵀ' : ''} (${kA} ≠ ${kB})`,
    );
  }
  return tf.tidy(() => {
    if (a.rank === 2 && b.rank === 2) {
      return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
    }
    if (b.rank === 2 && !transposeA) {
      // A shared right factor: fold the batch into rows, one GEMM.
      const rows = tf.reshape(a, [-1, a.shape[a.rank - 1]!]);
      const out = tf.matMul(rows, transposeB ? tf.transpose(b) : b);
      return tf.reshape(out, [...a.shape.slice(0, -1), out.shape[1]!]);
    }
    if (a.rank === b.rank && sameBatch(a.shape, b.shape)) {
      const batch = a.shape.slice(0, -2);
      const a3 = tf.reshape(a, [-1, a.shape[a.rank - 2]!, a.shape[a.rank - 1]!]);
      const b3 = tf.reshape(b, [-1, b.shape[b.rank - 2]!, b.shape[b.rank - 1]!]);
      if (a3.shape[0] === 1) {
        // One product: no unstack (tfjs 4.22's Unpack gradient throws for a single output).
        const a2 = tf.reshape(a3, a3.shape.slice(1));
        const b2 = tf.reshape(b3, b3.shape.slice(1));
        const out = tf.matMul(transposeA ? tf.transpose(a2) : a2, transposeB ? tf.transpose(b2) : b2);
        return tf.reshape(out, [...batch, out.shape[0]!, out.shape[1]!]);
      }
      const as = tf.unstack(a3);
      const bs = tf.unstack(b3);
      const outs = as.map((ai, i) =>
        tf.matMul(transposeA ? tf.transpose(ai) : ai, transposeB ? tf.transpose(bs[i]!) : bs[i]!),
      );
      const out = tf.stack(outs) as Tensor;
      return tf.reshape(out, [...batch, out.shape[1]!, out.shape[2]!]);
    }
    return tf.matMul(a, b, transposeA, transposeB);
  });
}

function sameBatch(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length - 2; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Sums `g` over the leading axes it has beyond `shape` and over broadcast axes, then reshapes. */
function reduceTo(g: Tensor, shape: readonly number[]): Tensor {
  if (arraysEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return tf.reshape(tf.sum(g, axes), shape as number[]);
}

function arraysEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The gradient of C = op(A)·op(B) with the same four cases as tfjs's `BatchMatMul` gradient, but
 * every product made by `matmul` (explicit transposes, folded or split batches). Each side is a
 * thunk so that a constant factor costs nothing.
 */
export function batchMatMulGradient(
  dy: Tensor,
  a: Tensor,
  b: Tensor,
  transposeA: boolean,
  transposeB: boolean,
): { a: () => Tensor; b: () => Tensor } {
  const da = (): Tensor => {
    if (!transposeA) return matmul(dy, b, { transposeB: !transposeB });
    return matmul(b, dy, { transposeA: transposeB, transposeB: true });
  };
  const db = (): Tensor => {
    if (!transposeA) return transposeB ? rightFactorGrad(dy, a, b.rank) : rightFactorGrad(a, dy, b.rank);
    return transposeB ? matmul(dy, a, { transposeA: true, transposeB: true }) : matmul(a, dy);
  };
  return { a: () => reduceTo(da(), a.shape), b: () => reduceTo(db(), b.shape) };
}

/**
 * xᵀ·y for the gradient of a right factor: when that factor is 2-D and shared across a batch,
 * fold the batch into rows so that the sum over the batch is one GEMM.
 */
function rightFactorGrad(x: Tensor, y: Tensor, rightRank: number): Tensor {
  if (rightRank === 2 && x.rank > 2) {
    const x2 = tf.reshape(x, [-1, x.shape[x.rank - 1]!]);
    const y2 = tf.reshape(y, [-1, y.shape[y.rank - 1]!]);
    return matmul(x2, y2, { transposeA: true });
  }
  return matmul(x, y, { transposeA: true });
}

let stockGradient: tf.GradConfig | undefined;

/** The gradient tfjs itself registers for `BatchMatMul` (kept for comparison in tests and benchmarks). */
export function stockBatchMatMulGradient(): tf.GradConfig {
  return stockGradient ?? tf.getGradient('BatchMatMul');
}

/**
 * Registers trainlab's `BatchMatMul` gradient in place of tfjs's. Idempotent; `initBackend` calls it.
 * The registry is global to the process, so every package that shares tfjs-core sees it.
 */
export function registerFastGradients(): void {
  const existing = tf.getGradient('BatchMatMul');
  if (existing?.gradFunc === fastGradient.gradFunc) return;
  stockGradient = existing;
  tf.registerGradient(fastGradient);
}

/** Restores tfjs's own `BatchMatMul` gradient (for comparisons). */
export function unregisterFastGradients(): void {
  if (stockGradient) tf.registerGradient(stockGradient);
}

const fastGradient: tf.GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [Tensor, Tensor];
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    return batchMatMulGradient(dy as Tensor, a, b, transposeA, transposeB);
  },
};
