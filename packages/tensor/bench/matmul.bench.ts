/**
 * Matrix-product speed on every backend that loads: sgemm at 128–1024, the transpose flags, a
 * batched product, and one forward+backward of Q·Kᵀ with tfjs's stock gradient against ours.
 * Every rate is printed with its ratio to the cpu backend (measured in the same run) and its
 * fraction of the machine's peak.
 */
import { resolve } from 'node:path';
import { fmt, PEAK_GFLOPS, timeMs, writeResults } from '../src/bench';
import {
  type BackendName,
  initBackend,
  matmul,
  Rng,
  registerFastGradients,
  tf,
  unregisterFastGradients,
} from '../src/index';

interface Row {
  backend: BackendName;
  case: string;
  shape: string;
  ms: number;
  gflops: number;
}

const rows: Row[] = [];
const quick = process.argv.includes('--quick');
const sizes = quick ? [128, 256] : [128, 256, 512, 1024];

function rand(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from(new Rng(seed).normal(size)), shape);
}

async function record(backend: BackendName, name: string, shape: string, flops: number, fn: () => tf.Tensor) {
  // The cpu backend runs ~1.5 GFLOP/s: give it fewer repetitions at large sizes.
  const ms = await timeMs(
    async () => {
      const y = fn();
      await y.data();
      y.dispose();
    },
    backend === 'cpu' ? 100 : 300,
    backend === 'cpu' ? 1 : 3,
  );
  rows.push({ backend, case: name, shape, ms, gflops: flops / ms / 1e6 });
}

async function runBackend(backend: BackendName) {
  for (const n of sizes) {
    if (backend === 'cpu' && n > 512) continue; // seconds per call; the ratio is clear by 512
    const a = rand([n, n], 1);
    const b = rand([n, n], 2);
    const flops = 2 * n ** 3;
    await record(backend, 'matMul plain', `${n}³`, flops, () => tf.matMul(a, b));
    await record(backend, 'matMul transposeB flag', `${n}³`, flops, () => tf.matMul(a, b, false, true));
    await record(backend, 'matMul transposeA flag', `${n}³`, flops, () => tf.matMul(a, b, true, false));
    await record(backend, 'trainlab matmul transposeB', `${n}³`, flops, () =>
      matmul(a, b, { transposeB: true }),
    );
    tf.dispose([a, b]);
  }
  // A batched product as attention makes it: [8,128,64]·[8,64,128].
  const A = rand([8, 128, 64], 3);
  const B = rand([8, 64, 128], 4);
  const bflops = 2 * 8 * 128 * 64 * 128;
  await record(backend, 'batched tf.matMul', '[8,128,64]·[8,64,128]', bflops, () => tf.matMul(A, B));
  await record(backend, 'batched trainlab matmul', '[8,128,64]·[8,64,128]', bflops, () => matmul(A, B));
  // A projection of a batch by a shared weight: [8,128,256]·[256,256].
  const X = rand([8, 128, 256], 5);
  const W = rand([256, 256], 6);
  const pflops = 2 * 8 * 128 * 256 * 256;
  await record(backend, 'projection tf.matMul (broadcast)', '[8,128,256]·[256,256]', pflops, () =>
    tf.matMul(X, W),
  );
  await record(backend, 'projection trainlab matmul (folded)', '[8,128,256]·[256,256]', pflops, () =>
    matmul(X, W),
  );
  tf.dispose([A, B, X, W]);

  // Forward + backward of sum(Q Kᵀ ⊙ G) for Q, K [256, 64]: the attention-score pattern.
  const q = rand([256, 64], 7);
  const k = rand([256, 64], 8);
  const g = rand([256, 256], 9);
  const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, false, true), g));
  const fbFlops = 3 * 2 * 256 * 256 * 64;
  const fb = () => {
    const [gq, gk] = tf.grads(f)([q, k]);
    gk!.dispose();
    return gq!;
  };
  unregisterFastGradients();
  await record(backend, 'QKᵀ fwd+bwd, stock gradient', '[256,64]·[64,256]', fbFlops, fb);
  registerFastGradients();
  await record(backend, 'QKᵀ fwd+bwd, trainlab gradient', '[256,64]·[64,256]', fbFlops, fb);
  tf.dispose([q, k, g]);
}

const backends: BackendName[] = [];
for (const name of ['cpu', 'wasm', 'tensorflow'] as const) {
  try {
    const info = await initBackend({ backend: name });
    console.log(info.message);
    backends.push(name);
    await runBackend(name);
  } catch (error) {
    console.log(`backend ${name}: not available (${(error as Error).message.split('\n')[0]})`);
  }
}

const cpuRate = new Map(
  rows.filter((r) => r.backend === 'cpu').map((r) => [`${r.case} ${r.shape}`, r.gflops]),
);
console.log(`\npeak used for "% peak": ${PEAK_GFLOPS} GFLOP/s (TRAINLAB_PEAK_GFLOPS)`);
console.log(
  `${'backend'.padEnd(11)}${'case'.padEnd(38)}${'shape'.padEnd(24)}     ms  GFLOP/s  × cpu  % peak`,
);
for (const r of rows) {
  const base = cpuRate.get(`${r.case} ${r.shape}`);
  console.log(
    `${r.backend.padEnd(11)}${r.case.padEnd(38)}${r.shape.padEnd(24)}${fmt(r.ms, 2)}${fmt(r.gflops)}  ${
      base ? fmt(r.gflops / base, 1) : '     – '
    }${fmt((100 * r.gflops) / PEAK_GFLOPS, 2)}`,
  );
}
const file = writeResults(resolve(import.meta.dirname, '..'), 'matmul', {
  peakGflops: PEAK_GFLOPS,
  backends,
  rows,
});
console.log(`\nresults: ${file}`);
