import { createTransformer, makeTask } from '@trainlab/attention';
import { initBackend } from '@trainlab/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { balancingFactor, optimizerExperiment, trainingDepthExperiment } from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const tiny = {
  dModel: 16,
  steps: 30,
  evalEvery: 10,
  trainSize: 200,
  validationSize: 40,
  length: 4,
  symbols: 5,
  batchSize: 16,
};

describe('training experiments', () => {
  it('depth × residual scale: one run per cell, one row per evaluation, a loss that falls', async () => {
    const r = await trainingDepthExperiment({ ...tiny, depths: [1, 3], seeds: 2 });
    expect(r.rows).toHaveLength(2 * 2 * 2 * 3);
    const runs = [...new Set(r.summary.map((s) => `${s.depth}|${s.scaleKind}|${s.residualScale}`))];
    expect(runs).toEqual([
      '1|constant|1',
      '1|inv-sqrt-depth|1',
      '3|constant|1',
      `3|inv-sqrt-depth|${1 / Math.sqrt(3)}`,
    ]);
    for (const setting of runs) {
      const curve = r.summary.filter((s) => `${s.depth}|${s.scaleKind}|${s.residualScale}` === setting);
      expect(curve.at(-1)!.valLoss, setting).toBeLessThan(curve[0]!.valLoss);
    }
    expect(r.figure.hconcat).toHaveLength(2);
    await expect(trainingDepthExperiment({ depths: [0] })).rejects.toThrow(
      /depths\.0: must be an integer from 1 to 256, got 0/,
    );
  });

  it('optimizers: balancing scales the Q/K learning rate so queries move as much as values', async () => {
    const task = makeTask('reverse', { length: 4, symbols: 5, trainSize: 200, validationSize: 40 });
    const model = createTransformer(
      {
        dModel: 16,
        depth: 4,
        heads: 2,
        vocabSize: task.vocabSize,
        outputs: task.outputs,
        positional: 'learned',
        maxLength: 4,
      },
      { seed: 0 },
    );
    expect(balancingFactor(model, task, 16)).toBeGreaterThan(1);
    model.dispose();
    const r = await optimizerExperiment({ ...tiny, seeds: 1, depth: 4 });
    const first = (o: string) => r.summary.find((s) => s.optimizer === o)!;
    expect(first('sgd-balanced').qUpdateOverV).toBeGreaterThan(first('sgd').qUpdateOverV);
    expect(r.summary.every((s) => s.diverged === 0)).toBe(true);
    await expect(optimizerExperiment({ optimizers: ['rmsprop' as never] })).rejects.toThrow(
      /optimizers\.0: must be one of 'adam', 'sgd', 'sgd-balanced', got "rmsprop"/,
    );
  });
});
