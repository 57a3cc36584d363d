/**
 * Training steps per second of the default training model (the `trainlab train` runs: d = 32,
 * 2 heads, MLP 64, learned positions, batch 32 on 'reverse' of length 6) at depths 2 and 8, on every
 * backend that loads, with Adam. Prints each rate and its ratio to the cpu backend, measured in the
 * same run; writes bench-results/train.json.
 */
import { resolve } from 'node:path';
import { type BackendName, initBackend, TensorError } from '@trainlab/tensor';
import { writeResults } from '@trainlab/tensor/bench';
import { createTransformer, makeTask, train } from '../src/index';

const task = makeTask('reverse', { length: 6, symbols: 8, trainSize: 2000, validationSize: 100 });
const rows: { backend: BackendName; depth: number; stepsPerSecond: number }[] = [];
for (const backend of ['tensorflow', 'wasm', 'cpu'] as BackendName[]) {
  try {
    await initBackend({ backend });
  } catch (error) {
    if (!(error instanceof TensorError)) throw error;
    console.log(`${backend}: not available here`);
    continue;
  }
  for (const depth of [2, 8]) {
    const model = createTransformer(
      {
        dModel: 32,
        depth,
        heads: 2,
        mlp: { hidden: 64 },
        vocabSize: task.vocabSize,
        outputs: task.outputs,
        positional: 'learned',
        maxLength: 6,
      },
      { seed: 0 },
    );
    const steps = backend === 'cpu' ? 10 : 40;
    await train(model, task, { steps: 3, evalEvery: 1000 }); // warm-up
    const t = performance.now();
    await train(model, task, { steps, evalEvery: 1_000_000 });
    const stepsPerSecond = steps / ((performance.now() - t) / 1000);
    rows.push({ backend, depth, stepsPerSecond });
    model.dispose();
  }
}
const cpu = (depth: number) => rows.find((r) => r.backend === 'cpu' && r.depth === depth)?.stepsPerSecond;
for (const r of rows) {
  const base = cpu(r.depth);
  console.log(
    `${r.backend.padEnd(10)} depth ${String(r.depth).padStart(2)}: ${r.stepsPerSecond.toFixed(1).padStart(6)} steps/s` +
      (base ? ` (${(r.stepsPerSecond / base).toFixed(1)}× cpu)` : ''),
  );
}
console.log(`results: ${writeResults(resolve(import.meta.dirname, '..'), 'train', rows)}`);
