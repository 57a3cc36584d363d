/**
 * Singular values with ml-matrix's SVD against the route through the Gram matrix (GEMM on the
 * wasm backend, then ml-matrix's symmetric eigensolver), for token matrices n×d up to 1024.
 * The library SVD is what `singularValues` uses; this benchmark keeps the measurement that
 * decides whether a hand-written solver would pay.
 */
import { resolve } from 'node:path';
import { fmt, timeMs, writeResults } from '../src/bench';
import { initBackend, Rng, singularValues, symmetricEigenvalues, tf } from '../src/index';

const quick = process.argv.includes('--quick');
const shapes: [number, number][] = quick
  ? [[64, 256]]
  : [
      [64, 256],
      [256, 256],
      [512, 512],
      [1024, 1024],
    ];
const info = await initBackend();
console.log(info.message);
const rows: { shape: string; svdMs: number; gramEigMs: number; maxRelDiff: number }[] = [];
for (const [n, d] of shapes) {
  const data = Float32Array.from(new Rng(n * d).normal(n * d));
  const svdMs = await timeMs(() => void singularValues({ data, rows: n, cols: d }), 200, 1);
  let viaGram = new Float64Array();
  const gramEigMs = await timeMs(
    () => {
      const x = tf.tensor2d(data, [n, d]);
      const g = n <= d ? tf.matMul(x, tf.transpose(x)) : tf.matMul(tf.transpose(x), x);
      const m = Math.min(n, d);
      const eig = symmetricEigenvalues({ data: g.dataSync(), rows: m, cols: m });
      viaGram = eig.map((e) => Math.sqrt(Math.max(e, 0))).reverse();
      tf.dispose([x, g]);
    },
    200,
    1,
  );
  const s = singularValues({ data, rows: n, cols: d });
  const maxRelDiff = Math.max(...Array.from(s, (v, i) => Math.abs(v - viaGram[i]!) / s[0]!));
  rows.push({ shape: `${n}×${d}`, svdMs, gramEigMs, maxRelDiff });
}
console.log(`${'shape'.padEnd(12)}  SVD ms  Gram+eig ms  SVD/Gram  max |Δs|/s₁`);
for (const r of rows) {
  console.log(
    `${r.shape.padEnd(12)}${fmt(r.svdMs, 0)}${fmt(r.gramEigMs, 0).padStart(13)}${fmt(r.svdMs / r.gramEigMs, 2).padStart(10)}  ${r.maxRelDiff.toExponential(1)}`,
  );
}
console.log(`results: ${writeResults(resolve(import.meta.dirname, '..'), 'linalg', rows)}`);
