/**
 * How close `estimateMemory` is to what the wasm backend really holds: for a few shapes and each
 * mode (forward, gradients, training), a fresh process runs the model once and reports the size its
 * wasm heap grew to (a heap never shrinks, so one process per case); the table prints the estimate,
 * the measurement and their ratio. Results go to bench-results/memory.json.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { initBackend, tf } from '@trainlab/tensor';
import { writeResults } from '@trainlab/tensor/bench';
import { createTransformer, estimateMemory, type MemoryMode, makeTask, train } from '../src/index';

interface Case {
  mode: MemoryMode;
  dModel: number;
  n: number;
  depth: number;
  batch: number;
}

const CASES: Case[] = [
  { mode: 'forward', dModel: 512, n: 128, depth: 4, batch: 1 },
  { mode: 'forward', dModel: 64, n: 1024, depth: 4, batch: 1 },
  { mode: 'backward', dModel: 256, n: 256, depth: 4, batch: 1 },
  { mode: 'backward', dModel: 128, n: 512, depth: 4, batch: 1 },
  { mode: 'train', dModel: 256, n: 32, depth: 4, batch: 16 },
  { mode: 'train', dModel: 512, n: 16, depth: 2, batch: 32 },
];

const child = process.argv[2];
if (child) {
  // One case in this process: run it, print the wasm heap's size.
  const c = JSON.parse(child) as Case;
  await initBackend({ backend: 'wasm' });
  // biome-ignore lint/suspicious/noExplicitAny: the wasm module is not in tfjs's types
  const heap = () => (tf.backend() as any).wasm.HEAPU8.byteLength as number;
  const before = heap();
  let estimate: number;
  if (c.mode === 'train') {
    const task = makeTask('reverse', { length: c.n, symbols: 8, trainSize: 200, validationSize: 20 });
    const config = {
      dModel: c.dModel,
      depth: c.depth,
      heads: 4,
      vocabSize: task.vocabSize,
      outputs: task.outputs,
      maxLength: task.length,
    };
    const model = createTransformer(config, { seed: 1 });
    await train(model, task, { steps: 2, batchSize: c.batch, evalEvery: 2 });
    estimate = estimateMemory(config, { tokens: task.length, batch: c.batch, mode: 'train' }).bytes;
  } else {
    const config = { dModel: c.dModel, depth: c.depth, heads: 4 };
    const model = createTransformer(config, { seed: 1 });
    const x = tf.randomNormal([c.batch, c.n, c.dModel]);
    if (c.mode === 'forward') model.forward(x, { taps: { include: ['output'] } }).dispose();
    else {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(model.apply(x)) as tf.Scalar,
        model.parameters.map((p) => p.variable),
      );
      tf.dispose([value, ...Object.values(grads)]);
    }
    estimate = estimateMemory(config, { tokens: c.n, batch: c.batch, mode: c.mode }).bytes;
  }
  console.log(JSON.stringify({ measured: heap() - before, estimate }));
} else {
  const rows: (Case & { measuredMiB: number; estimateMiB: number; ratio: number })[] = [];
  console.log('estimateMemory against the wasm heap (one fresh process per case)');
  console.log('mode      d     n     L  batch  measured MiB  estimate MiB  estimate/measured');
  for (const c of CASES) {
    const r = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, JSON.stringify(c)], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    const { measured, estimate } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      measured: number;
      estimate: number;
    };
    const row = {
      ...c,
      measuredMiB: measured / 2 ** 20,
      estimateMiB: estimate / 2 ** 20,
      ratio: estimate / measured,
    };
    rows.push(row);
    console.log(
      `${c.mode.padEnd(9)} ${String(c.dModel).padStart(4)} ${String(c.n).padStart(5)} ${String(c.depth).padStart(3)} ${String(c.batch).padStart(5)} ${row.measuredMiB.toFixed(0).padStart(13)} ${row.estimateMiB.toFixed(0).padStart(13)} ${row.ratio.toFixed(2).padStart(18)}`,
    );
  }
  const ratios = rows.map((r) => r.ratio);
  console.log(
    `estimate/measured from ${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)}`,
  );
  console.log(`results: ${writeResults(resolve(import.meta.dirname, '..'), 'memory', rows)}`);
}
