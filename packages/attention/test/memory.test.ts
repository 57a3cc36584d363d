/** The memory estimate: exact parameter counts, and estimates that track what the engine holds. */
import { initBackend, tf } from '@trainlab/tensor';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTransformer, estimateMemory, parameterCount, type TransformerConfig } from '../src/index';

beforeAll(async () => {
  await initBackend();
});

describe('parameterCount', () => {
  it('equals the sizes of the parameters the model builds, for any config', () => {
    fc.assert(
      fc.property(
        fc.record({
          heads: fc.integer({ min: 1, max: 3 }),
          headDim: fc.integer({ min: 1, max: 4 }),
          valueDim: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
          outputProjection: fc.boolean(),
          dModel: fc.integer({ min: 1, max: 12 }),
          depth: fc.integer({ min: 1, max: 3 }),
          norm: fc.constantFrom('post', 'pre', 'none'),
          normAffine: fc.boolean(),
          mlp: fc.oneof(fc.boolean(), fc.record({ hidden: fc.integer({ min: 1, max: 9 }) })),
          vocabSize: fc.option(fc.integer({ min: 2, max: 9 }), { nil: undefined }),
          outputs: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        }),
        (r) => {
          // Without W_O the heads' values must make up the width.
          const dModel = r.outputProjection ? r.dModel : r.heads * (r.valueDim ?? r.headDim);
          const config: TransformerConfig = {
            dModel,
            depth: r.depth,
            heads: r.heads,
            headDim: r.headDim,
            ...(r.valueDim ? { valueDim: r.valueDim } : {}),
            outputProjection: r.outputProjection,
            norm: r.norm,
            normAffine: r.normAffine,
            mlp: r.mlp,
            ...(r.vocabSize ? { vocabSize: r.vocabSize, maxLength: 5, positional: 'learned' as const } : {}),
            ...(r.outputs ? { outputs: r.outputs } : {}),
          };
          const model = createTransformer(config, { seed: 1 });
          const built = model.parameters.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
          model.dispose();
          expect(parameterCount(config)).toBe(built);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('estimateMemory', () => {
  it('grows with the depth, the width, the tokens, the batch and the mode, and refuses bad options', () => {
    const base: TransformerConfig = { dModel: 64, depth: 4, heads: 4 };
    const at = (c: Partial<TransformerConfig>, o: Partial<Parameters<typeof estimateMemory>[1]> = {}) =>
      estimateMemory({ ...base, ...c }, { tokens: 32, ...o }).bytes;
    expect(at({ depth: 8 })).toBeGreaterThan(at({}));
    expect(at({ dModel: 128 })).toBeGreaterThan(at({}));
    expect(at({}, { tokens: 64 })).toBeGreaterThan(at({}));
    expect(at({}, { batch: 4, mode: 'backward' })).toBeGreaterThan(at({}, { mode: 'backward' }));
    expect(at({}, { mode: 'backward' })).toBeGreaterThan(at({}));
    expect(at({}, { mode: 'train' })).toBeGreaterThan(at({}, { mode: 'backward' }));
    const e = estimateMemory({ dModel: 1024, depth: 28, heads: 4 }, { tokens: 256 });
    expect(e.parameters).toBe(28 * (4 * 1024 ** 2 + 8 * 1024 ** 2 + 4096 + 1024 + 4 * 1024));
    expect(e.weightBytes).toBe(4 * e.parameters);
    expect(() => estimateMemory(base, { tokens: 0 })).toThrow(/options.tokens must be an integer ≥ 1, got 0/);
    // biome-ignore lint/suspicious/noExplicitAny: a bad mode on purpose
    expect(() => estimateMemory(base, { tokens: 4, mode: 'sideways' as any })).toThrow(/options.mode/);
  });

  it('is within a factor 2 of the bytes tfjs holds at the peak of a gradient computation', async () => {
    for (const [config, tokens] of [
      [{ dModel: 64, depth: 3, heads: 4 }, 128],
      [{ dModel: 128, depth: 2, heads: 2, mlp: false }, 32],
    ] as const) {
      const model = createTransformer(config, { seed: 1 });
      const x = tf.randomNormal([tokens, config.dModel]);
      const profile = await tf.profile(() => {
        const { grads, value } = tf.variableGrads(
          () => tf.sum(model.apply(tf.expandDims(x, 0))) as tf.Scalar,
          model.parameters.map((p) => p.variable),
        );
        tf.dispose([value, ...Object.values(grads)]);
      });
      x.dispose();
      model.dispose();
      const estimate = estimateMemory(config, { tokens, mode: 'backward' }).bytes;
      expect(estimate / profile.peakBytes).toBeGreaterThan(0.5);
      expect(estimate / profile.peakBytes).toBeLessThan(2);
    }
  });
});
