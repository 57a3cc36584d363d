/**
 * Which TensorFlow.js backend runs here, and how fast a plain matrix product is on it.
 * Run: pnpm demo   (or: TRAINLAB_BACKEND=cpu pnpm demo)
 */
import { initBackend, matmul, Rng, tf } from '@trainlab/tensor';

const info = await initBackend();
console.log(info.message);

for (const n of [256, 512, 1024]) {
  const rng = new Rng(0);
  const a = tf.tensor2d(Float32Array.from(rng.fork('a').normal(n * n)), [n, n]);
  const b = tf.tensor2d(Float32Array.from(rng.fork('b').normal(n * n)), [n, n]);
  const reps = info.name === 'cpu' ? 1 : 5;
  const warm = matmul(a, b); // warm-up: kernel set-up and first allocation
  await warm.data();
  warm.dispose();
  const start = performance.now();
  for (let i = 0; i < reps; i++) {
    const c = matmul(a, b);
    await c.data();
    c.dispose();
  }
  const ms = (performance.now() - start) / reps;
  console.log(
    `matmul ${n}×${n}·${n}×${n}: ${ms.toFixed(1)} ms, ${((2 * n ** 3) / ms / 1e6).toFixed(1)} GFLOP/s`,
  );
  tf.dispose([a, b]);
  if (info.name === 'cpu' && n >= 512) break;
}
console.log(`live tensors after the demo: ${tf.memory().numTensors}`);
