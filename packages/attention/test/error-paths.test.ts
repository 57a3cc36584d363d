/**
 * Every error path of every tensor-producing API disposes what it made: each bad call below throws
 * its named error and leaves `tf.memory().numTensors` where it was.
 */
import { initBackend, tf } from '@trainlab/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTransformer,
  gradients,
  makeTask,
  multiHeadAttention,
  type Transformer,
  train,
} from '../src/index';

let vectors: Transformer;
let tokens: Transformer;
beforeAll(async () => {
  await initBackend();
  vectors = createTransformer({ dModel: 8, depth: 2, heads: 2, mlp: true }, { seed: 1 });
  tokens = createTransformer(
    { dModel: 8, depth: 2, heads: 2, vocabSize: 5, outputs: 5, maxLength: 6 },
    { seed: 1 },
  );
});

/** Runs `call`, which must fail with `message`, and checks that no tensor outlives it. */
async function failsClean(call: () => unknown, message: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  expect(error, String(message)).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(message);
  expect(tf.memory().numTensors, `tensors left by ${message}`).toBe(before);
}

describe('error paths leave no tensors behind', () => {
  it('gradients: a custom loss that throws, returns a non-scalar or no tensor; bad targets and params', async () => {
    const x = tf.randomNormal([4, 8]);
    await failsClean(
      () =>
        gradients(vectors, x, () => {
          throw new Error('the loss failed');
        }),
      /the loss failed/,
    );
    await failsClean(
      () =>
        gradients(vectors, x, (y) => {
          tf.square(y); // work done before failing
          throw new Error('late failure');
        }),
      /late failure/,
    );
    await failsClean(
      () => gradients(vectors, x, (y) => tf.square(y)),
      /scalar tensor, got a tensor of shape \[4, 8\]/,
    );
    // biome-ignore lint/suspicious/noExplicitAny: a wrong return type on purpose
    await failsClean(() => gradients(vectors, x, (() => 3) as any), /scalar tensor, got 3/);
    await failsClean(() => gradients(vectors, x, { kind: 'mse', target: [[1, 2]] }), /target/);
    await failsClean(() => gradients(vectors, x, { kind: 'probe' }, { params: ['nope'] }), /nope/);
    await failsClean(
      () => gradients(tokens, [[0, 1, 2]], { kind: 'cross-entropy', targets: [[0, 1]] }),
      /targets/,
    );
    x.dispose();
  });

  it('forward: bad shapes, NaN inputs, non-integer ids, mask values other than 0/1', async () => {
    const narrow = tf.zeros([4, 7]);
    const infinite = tf.fill([2, 8], Number.POSITIVE_INFINITY);
    const fractional = tf.tensor1d([0, 1, 1.5]);
    await failsClean(() => vectors.forward(narrow), /last axis must be dModel = 8/);
    await failsClean(
      () => vectors.forward([[1, 2, 3, 4, 5, 6, 7, Number.NaN]]),
      /input entry 7 must be a finite number, got NaN/,
    );
    await failsClean(() => vectors.forward(infinite), /input entry 0 must be a finite number, got Infinity/);
    await failsClean(
      () => tokens.forward([0, 2.5, 1]),
      /input token 1 must be an integer id from 0 to 4, got 2.5/,
    );
    await failsClean(() => tokens.forward(fractional), /input token 2 must be an integer id/);
    await failsClean(
      () => tokens.forward([0, 1, 9]),
      /input token 2 must be an integer id from 0 to 4, got 9/,
    );
    await failsClean(
      () => tokens.forward([0, 1, 2], { mask: [1, 0.5, 1] }),
      /mask entry 1 must be 0 \(padding\) or 1 \(token\), got 0.5/,
    );
    await failsClean(() => tokens.forward([0, 1, 2], { mask: [1, 1] }), /mask must have shape \[3\]/);
    await failsClean(() => tokens.forward([0, 1, 2, 3, 4, 0, 1]), /more than maxLength = 6/);
    await failsClean(
      () => gradients(tokens, [0, 1.5], { kind: 'probe' }),
      /input token 1 must be an integer id/,
    );
    tf.dispose([narrow, infinite, fractional]);
  });

  it('layers, models and training: bad weights, configs and options', async () => {
    const x = tf.randomNormal([1, 4, 8]);
    const weights = {
      wq: tf.zeros([8, 8]),
      wk: tf.zeros([8, 4]),
      wv: tf.zeros([8, 8]),
      wo: tf.zeros([8, 8]),
    };
    const options = { heads: 2, headDim: 4, tau: 1, kind: 'softmax' } as const;
    await failsClean(
      () => multiHeadAttention(x, weights, options),
      /wk must be \[8, 8\] \(heads = 2, headDim = 4, valueDim = 4\), got shape \[8,4\]/,
    );
    // A bias that cannot broadcast fails inside the ops, half-way: what was made is freed.
    const bias = tf.zeros([3, 3]);
    const wk = tf.zeros([8, 8]);
    await failsClean(() => multiHeadAttention(x, { ...weights, wk }, { ...options, bias }), /.+/);
    tf.dispose([...Object.values(weights), bias, wk]);
    await failsClean(() => createTransformer({ dModel: 8, depth: 2, heads: 3 }), /heads/);
    await failsClean(() => vectors.setWeights({ 'blocks.0.attn.wq': [1, 2] }), /has 64 entries/);
    const task = makeTask('copy', { length: 4, symbols: 5, trainSize: 20, validationSize: 10 });
    const model = createTransformer(
      {
        dModel: 8,
        depth: 1,
        heads: 2,
        vocabSize: task.vocabSize,
        outputs: task.outputs,
        maxLength: task.length,
      },
      { seed: 1 },
    );
    await failsClean(() => train(model, task, { steps: 2, lr: -1 }), /options.lr/);
    await failsClean(
      () =>
        train(model, task, {
          steps: 2,
          evalEvery: 1,
          onEval: () => {
            throw new Error('the callback failed');
          },
        }),
      /the callback failed/,
    );
    await failsClean(
      () =>
        train(model, task, {
          steps: 2,
          evalEvery: 1,
          tokenMeasure: () => {
            throw new Error('the measure failed');
          },
        }),
      /the measure failed/,
    );
    model.dispose();
    x.dispose();
  });
});
