import { initBackend, tf } from '@trainlab/tensor';
import { expectClose } from '@trainlab/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTransformer, learningRate, makeTask, type TransformerConfig, train } from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const modelFor = (task: ReturnType<typeof makeTask>, extra: Partial<TransformerConfig> = {}, seed = 1) =>
  createTransformer(
    {
      dModel: 32,
      depth: 2,
      heads: 2,
      mlp: { hidden: 64 },
      vocabSize: task.vocabSize,
      outputs: task.outputs,
      positional: 'learned',
      maxLength: task.length,
      ...extra,
    },
    { seed },
  );

describe('tasks', () => {
  it('generate seeded, disjoint splits with the right targets', () => {
    const reverse = makeTask('reverse', {
      length: 5,
      symbols: 7,
      trainSize: 300,
      validationSize: 50,
      seed: 3,
    });
    expect(reverse.train.targets[0]).toEqual([...reverse.train.inputs[0]!].reverse());
    const sort = makeTask('sort', { length: 5, trainSize: 10, validationSize: 5 });
    expect(sort.train.targets[2]).toEqual([...sort.train.inputs[2]!].sort((a, b) => a - b));
    const keys = new Set(reverse.train.inputs.map((x) => x.join()));
    expect(reverse.validation.inputs.some((x) => keys.has(x.join()))).toBe(false);
    expect(
      makeTask('reverse', { length: 5, symbols: 7, trainSize: 300, validationSize: 50, seed: 3 }).train,
    ).toEqual(reverse.train);

    const t = makeTask('translate', { trainSize: 50, validationSize: 10 });
    const i = t.train.inputs.findIndex((x) => x.filter((v) => v > 0).length === 5);
    // "big cat sees red dog" → "catə bigə dogə redə seesə" (adjectives after nouns, verb last)
    const src = t.show(t.train.inputs[i]!, 'input').split(' ');
    const dst = t.show(t.train.targets[i]!, 'target').split(' ');
    expect(dst).toEqual([src[1], src[0], src[4], src[3], src[2]].map((w) => `${w}ə`));
    expect(t.train.targets[i]!.slice(5)).toEqual([-1, -1]);
    expect(() => makeTask('copy', { length: 2, symbols: 2, trainSize: 10 })).toThrow(/distinct sequences/);
  });
});

describe('train', () => {
  it('learns to reverse within a fixed budget, with per-layer records', async () => {
    const task = makeTask('reverse', { length: 6, symbols: 6, trainSize: 1000, validationSize: 200 });
    const model = modelFor(task);
    const r = await train(model, task, { steps: 200, lr: 3e-3, evalEvery: 50, seed: 1, warmup: 10 });
    expect(r.diverged).toBe(false);
    expect(r.records.map((e) => e.step)).toEqual([50, 100, 150, 200]);
    expect(r.records.at(-1)!.valAccuracy).toBeGreaterThan(0.9);
    expect(r.records.at(-1)!.valLoss).toBeLessThan(r.records[0]!.valLoss / 2);
    const last = r.records.at(-1)!.layers;
    expect(last).toHaveLength(2);
    for (const l of last) {
      expect(l.cosine).toBeGreaterThan(-1);
      expect(l.cosine).toBeLessThan(1);
      for (const g of ['q', 'k', 'v', 'o', 'mlp'] as const) {
        expect(l.grad[g]).toBeGreaterThan(0);
        expect(l.update[g]).toBeGreaterThan(0);
      }
    }
    model.dispose();
  });

  it('resumes from a checkpoint to exactly the curve of an unbroken run', async () => {
    const task = makeTask('sort', { length: 5, symbols: 5, trainSize: 400, validationSize: 50 });
    const options = {
      steps: 20,
      evalEvery: 5,
      seed: 2,
      lr: 2e-3,
      warmup: 4,
      decay: 'cosine' as const,
      clip: 1,
    };
    const straight = modelFor(task);
    const full = await train(straight, task, options);

    const first = modelFor(task);
    const half = await train(first, task, { ...options, until: 10 });
    const saved = JSON.parse(JSON.stringify(half.checkpoint));
    const other = modelFor(task, {}, 99); // different initial weights: the checkpoint must overwrite them
    const rest = await train(other, task, { ...options, checkpoint: saved });
    expect([...half.records, ...rest.records]).toEqual(full.records);
    expect(other.weights()).toEqual(straight.weights());
    for (const m of [straight, first, other]) m.dispose();
  });

  it('applies per-group learning rates: a group at rate 0 does not move', async () => {
    const task = makeTask('copy', { length: 4, symbols: 5, trainSize: 100, validationSize: 20 });
    const model = modelFor(task);
    const before = model.weights();
    await train(model, task, { steps: 5, evalEvery: 5, groupLr: { q: 0, k: 0 }, optimizer: 'sgd', lr: 0.05 });
    const after = model.weights();
    for (const p of model.parameters) {
      const moved = after[p.name]!.some((v, i) => v !== before[p.name]![i]);
      expect(moved, p.name).toBe(p.group !== 'q' && p.group !== 'k');
    }
    model.dispose();
  });

  it('measures each block with the token measure it is given (default: its own float32 cosine)', async () => {
    const task = makeTask('copy', { length: 4, symbols: 5, trainSize: 100, validationSize: 20 });
    const shapes: number[][] = [];
    const model = modelFor(task);
    const own = await train(model, task, { steps: 2, evalEvery: 2 });
    const other = modelFor(task);
    const given = await train(other, task, {
      steps: 2,
      evalEvery: 2,
      tokenMeasure: (out) => {
        shapes.push(out.shape);
        return out.shape[0]! + 0.5;
      },
    });
    // One call per block, on the [batch, n, d] output of the probe batch (20 validation sequences).
    expect(shapes).toEqual([
      [20, 4, 32],
      [20, 4, 32],
    ]);
    expect(given.records[0]!.layers.map((l) => l.cosine)).toEqual([20.5, 20.5]);
    for (const l of own.records[0]!.layers) expect(l.cosine).toBeGreaterThan(-1 / 3 - 1e-6);
    model.dispose();
    other.dispose();
  });

  it('reports divergence instead of throwing, and checks its options', async () => {
    const task = makeTask('copy', { length: 4, symbols: 5, trainSize: 100, validationSize: 20 });
    const model = modelFor(task, { norm: 'none' });
    const r = await train(model, task, { steps: 50, optimizer: 'sgd', lr: 1e8, momentum: 0.99 });
    expect(r.diverged).toBe(true);
    expect(r.divergedAt).toBeGreaterThan(0);
    // A finite loss far above chance (ln 5 ≈ 1.6) is divergence too: Adam at lr 1e6 stays finite (~1e13).
    const blown = modelFor(task, { norm: 'post' });
    const before = tf.memory().numTensors;
    const big = await train(blown, task, { steps: 30, optimizer: 'adam', lr: 1e6, evalEvery: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(big.diverged).toBe(true);
    expect(big.records.every((rec) => Number.isFinite(rec.trainLoss))).toBe(true);
    // Only the loss's size said so: with no bound on it the same run goes on with finite losses.
    const unbounded = modelFor(task, { norm: 'post' });
    const on = await train(unbounded, task, { steps: 30, optimizer: 'adam', lr: 1e6, divergence: Infinity });
    expect(on.diverged).toBe(false);
    expect(on.records.at(-1)!.trainLoss).toBeGreaterThan(100 * Math.log(5));
    unbounded.dispose();
    blown.dispose();
    await expect(train(model, task, { steps: 1, divergence: 0.5 })).rejects.toThrow(
      /options.divergence must be a number from 1 to Infinity, got 0.5/,
    );
    await expect(train(model, task, { steps: 0 })).rejects.toThrow(
      /options.steps must be an integer ≥ 1, got 0/,
    );
    await expect(train(model, task, { steps: 1, groupLr: { q: -1 } })).rejects.toThrow(/groupLr.q/);
    model.dispose();
  });

  it('has warmup and decay schedules', () => {
    const o = { lr: 1, warmup: 10, steps: 110 };
    expect(learningRate({ ...o, decay: 'none' }, 5)).toBe(0.5);
    expectClose(learningRate({ ...o, decay: 'linear' }, 60), 0.5, 'float64', 'linear decay half way');
    expectClose(learningRate({ ...o, decay: 'cosine' }, 110), 0, 'float64', 'cosine decay at the end');
  });

  it('leaves no tensors behind over 1,000 steps', async () => {
    const task = makeTask('copy', { length: 3, symbols: 4, trainSize: 40, validationSize: 10 });
    const model = createTransformer(
      { dModel: 8, depth: 1, vocabSize: 4, outputs: 4, positional: 'sinusoidal' },
      { seed: 1 },
    );
    await train(model, task, { steps: 2, evalEvery: 1, batchSize: 4 });
    const before = tf.memory().numTensors;
    await train(model, task, { steps: 1000, evalEvery: 250, batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
