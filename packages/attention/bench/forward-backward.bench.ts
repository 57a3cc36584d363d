/**
 * Forward and forward+backward time of the paper's reference shape: a 12-layer, d = 256, n = 64,
 * 4-head Post-LN transformer (MLP width 1024), batch 8, on every backend that loads. Each rate is
 * printed against the sgemm rate of the same backend measured in the same run (the dominant GEMM
 * shape, [512×256]·[256×1024]) and against the machine's peak. Batch 1 is timed as well: it is the
 * shape of the PyTorch figure in the developers' guide (8–18 ms for forward+backward on 2 cores).
 *
 * `--quick` runs 4 layers instead of 12.
 */
import { resolve } from 'node:path';
import {
  type BackendName,
  initBackend,
  Rng,
  registerFastGradients,
  type Tensor,
  TensorError,
  tf,
  unregisterFastGradients,
} from '@trainlab/tensor';
import { fmt, PEAK_GFLOPS, timeMs, writeResults } from '@trainlab/tensor/bench';
import { createTransformer, gradients } from '../src/index';

const quick = process.argv.includes('--quick');
const DEPTH = quick ? 4 : 12;
const D = 256;
const N = 64;
const HEADS = 4;
const FF = 4 * D;

/** Multiply–adds ×2 of one forward pass: projections, QKᵀ and SV, the MLP. */
function forwardFlops(batch: number): number {
  const rows = batch * N;
  return DEPTH * (8 * rows * D * D + 4 * batch * N * N * D + 4 * rows * D * FF);
}

interface Row {
  backend: BackendName;
  case: string;
  batch: number;
  ms: number;
  gflops: number;
  ofSgemm: number;
}

const rows: Row[] = [];

function randn(shape: number[], seed: string): Tensor {
  return tf.tensor(Float32Array.from(new Rng(seed).normal(shape.reduce((a, b) => a * b, 1))), shape);
}

async function sgemmRate(): Promise<number> {
  const a = randn([8 * N, D], 'a');
  const b = randn([D, FF], 'b');
  const ms = await timeMs(async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  });
  tf.dispose([a, b]);
  return (2 * 8 * N * D * FF) / ms / 1e6;
}

async function main(): Promise<void> {
  const backends: BackendName[] = [];
  for (const backend of ['tensorflow', 'wasm', 'cpu'] as BackendName[]) {
    try {
      await initBackend({ backend });
      backends.push(backend);
    } catch (error) {
      if (!(error instanceof TensorError)) throw error;
      console.log(`${backend}: not available here (${error.message.split('\n')[0]})`);
    }
  }
  const model = createTransformer({ dModel: D, depth: DEPTH, heads: HEADS, norm: 'post' }, { seed: 0 });
  console.log(
    `model: ${DEPTH} layers, d = ${D}, n = ${N}, ${HEADS} heads, MLP ${FF}, Post-LN (${model.size} weights)`,
  );

  for (const backend of backends) {
    await initBackend({ backend });
    const sgemm = await sgemmRate();
    console.log(`\n${backend}: sgemm [${8 * N}×${D}]·[${D}×${FF}] ${sgemm.toFixed(1)} GFLOP/s`);
    // The plain-JS backend runs ~1 GFLOP/s: batch 1 only, one timed run.
    const batches = backend === 'cpu' ? [1] : [8, 1];
    for (const batch of batches) {
      const x = randn([batch, N, D], `x${batch}`);
      const record = async (name: string, flops: number, fn: () => Promise<void>) => {
        const ms = backend === 'cpu' ? await timeMs(fn, 0, 1) : await timeMs(fn, 2000, 3);
        const gflops = flops / ms / 1e6;
        rows.push({ backend, case: name, batch, ms, gflops, ofSgemm: gflops / sgemm });
        console.log(
          `  ${name.padEnd(28)} batch ${String(batch).padStart(2)} ${fmt(ms)} ms ${fmt(gflops)} GFLOP/s ` +
            `${fmt((100 * gflops) / sgemm)}% of sgemm ${fmt((100 * gflops) / PEAK_GFLOPS, 2)}% of peak`,
        );
      };
      await record('forward', forwardFlops(batch), async () => {
        const r = model.forward(x);
        await r.output.data();
        r.dispose();
      });
      await record('forward+backward', 3 * forwardFlops(batch), async () => {
        gradients(model, x, { kind: 'probe' }).dispose();
      });
      if (backend !== 'cpu' && batch === 1) {
        // tfjs's own gradient takes ~7× longer: batch 1 only.
        unregisterFastGradients();
        await record('fwd+bwd, stock BatchMatMul∇', 3 * forwardFlops(batch), async () => {
          gradients(model, x, { kind: 'probe' }).dispose();
        });
        registerFastGradients();
      }
      x.dispose();
    }
  }
  model.dispose();

  const fb = (backend: string, batch: number, name = 'forward+backward') =>
    rows.find((r) => r.backend === backend && r.batch === batch && r.case === name);
  for (const backend of backends) {
    const ours = fb(backend, 1);
    const stock = fb(backend, 1, 'fwd+bwd, stock BatchMatMul∇');
    if (ours && stock)
      console.log(`\n${backend}: our BatchMatMul gradient is ${(stock.ms / ours.ms).toFixed(2)}× tfjs's`);
  }
  const one = backends.map((b) => fb(b, 1)).find(Boolean);
  if (one && !quick) {
    console.log(
      `batch 1 forward+backward on ${one.backend}: ${one.ms.toFixed(0)} ms = ${(one.ms / 18).toFixed(1)}–` +
        `${(one.ms / 8).toFixed(1)}× PyTorch's 8–18 ms on the same machine class`,
    );
  }
  console.log(`peak used for "% of peak": ${PEAK_GFLOPS} GFLOP/s (TRAINLAB_PEAK_GFLOPS)`);
  const file = writeResults(resolve(import.meta.dirname, '..'), 'forward-backward', {
    depth: DEPTH,
    dModel: D,
    n: N,
    heads: HEADS,
    peakGflops: PEAK_GFLOPS,
    rows,
  });
  console.log(`results: ${file}`);
}

await main();
