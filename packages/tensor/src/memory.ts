/**
 * Memory scopes that also work across `await`. `tf.tidy` refuses async functions; `tidyAsync`
 * opens an engine scope, awaits, and keeps only the tensors found in the result.
 *
 * Do not return big typed arrays from `tf.tidy`: it walks every element of the result looking for
 * tensors (a 512×512 `dataSync()` result made a tidy 16× slower than the matmul inside it).
 */
import { type TensorContainer, tf } from './tf';

/**
 * Runs `fn` and disposes every tensor it made except those in its result (which the caller owns).
 * Scopes must not interleave: do not run two `tidyAsync` calls concurrently on one engine.
 *
 * @example
 * ```ts
 * const loss = await tidyAsync(async () => {
 *   const y = model(x);          // intermediate tensors are freed…
 *   return tf.mean(tf.square(y)); // …the result is kept
 * });
 * ```
 */
export async function tidyAsync<T extends TensorContainer | undefined>(fn: () => Promise<T>): Promise<T> {
  const engine = tf.engine();
  engine.startScope('tidyAsync');
  let result: T | undefined;
  try {
    result = await fn();
    return result;
  } finally {
    // endScope keeps the tensors found in `result` and moves them to the enclosing scope.
    engine.endScope(result as TensorContainer);
  }
}

/** Disposes every tensor in a container (arrays, objects, maps of tensors); ignores anything else. */
export function disposeAll(container: TensorContainer | Map<string, TensorContainer> | undefined): void {
  if (container === undefined) return;
  if (container instanceof Map) {
    for (const value of container.values()) tf.dispose(value);
    return;
  }
  tf.dispose(container);
}

/** Number of live tensors and bytes now (`tf.memory()` without the extras). */
export function liveTensors(): { tensors: number; bytes: number } {
  const m = tf.memory();
  return { tensors: m.numTensors, bytes: m.numBytes };
}
