import { beforeAll, describe, expect, it } from 'vitest';
import { disposeAll, initBackend, liveTensors, tf, tidyAsync } from '../src/index';
import { expectNoTensorLeak } from '../src/testing';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('tidyAsync', () => {
  it('frees what an async function made across awaits and keeps its result', async () => {
    const before = liveTensors().tensors;
    const result = await tidyAsync(async () => {
      const a = tf.ones([3, 5]);
      await new Promise((r) => setTimeout(r, 1));
      const b = tf.mul(a, 2);
      await b.data();
      return { sum: tf.sum(b) };
    });
    expect(liveTensors().tensors).toBe(before + 1);
    expect(result.sum.dataSync()[0]).toBe(30);
    result.sum.dispose();
    expect(liveTensors().tensors).toBe(before);
  });

  it('frees intermediates when the function throws', async () => {
    const before = liveTensors().tensors;
    await expect(
      tidyAsync(async () => {
        tf.ones([2]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(liveTensors().tensors).toBe(before);
  });
});

describe('disposeAll', () => {
  it('disposes arrays, objects and maps of tensors', () => {
    const before = liveTensors().tensors;
    disposeAll([tf.ones([1]), { a: tf.zeros([2]) }]);
    disposeAll(new Map([['w', tf.ones([3])]]));
    disposeAll(undefined);
    expect(liveTensors().tensors).toBe(before);
  });
});

describe('expectNoTensorLeak', () => {
  it('passes for a clean function and fails with counts for a leaking one', async () => {
    await expect(expectNoTensorLeak(() => tf.tidy(() => tf.sum(tf.ones([4]))).dispose())).resolves.toEqual({
      tensorsPerCall: 0,
      bytesPerCall: 0,
    });
    const leaked: tf.Tensor[] = [];
    await expect(expectNoTensorLeak(() => leaked.push(tf.ones([4])), { repeats: 2 })).rejects.toMatchObject({
      code: 'E_TENSOR_LEAK',
      message: expect.stringMatching(/^tensor leak: 2 tensors \(32 bytes\) left after 2 calls \(allowed 0\)/),
    });
    disposeAll(leaked);
  });
});
