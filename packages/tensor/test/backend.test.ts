import { describe, expect, it } from 'vitest';
import { loadFailureReason } from '../src/backend';
import {
  type BackendLoader,
  engineFailure,
  initBackend,
  memoryLimit,
  TensorError,
  tf,
  WASM_HEAP_LIMIT_BYTES,
} from '../src/index';

const brokenNative: BackendLoader = async () => {
  // What a failed optional install of @tensorflow/tfjs-node looks like: the folder exists, the
  // native binding does not.
  throw new Error("Cannot find module '.../lib/napi-v8/tfjs_binding.node'\nRequire stack: …");
};

describe('initBackend', () => {
  it('falls back from a broken native install to wasm, and says why', async () => {
    const info = await initBackend({ backend: 'auto', loaders: { tensorflow: brokenNative } });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.skipped).toEqual([
      { backend: 'tensorflow', reason: expect.stringContaining('tfjs_binding.node') },
    ]);
    expect(info.simd).toBe(true);
    expect(info.threads).toBe(1);
    expect(info.tfjsVersion).toBe('4.22.0');
    expect(info.message).toMatch(
      /^backend: wasm \(SIMD, 1 thread\), tfjs 4\.22\.0 — tensorflow skipped: Cannot find module/,
    );
  });

  it('falls back to cpu when wasm cannot load either', async () => {
    const info = await initBackend({
      loaders: {
        tensorflow: brokenNative,
        wasm: async () => Promise.reject(new Error('no WebAssembly here')),
      },
      env: {},
    });
    expect(info.name).toBe('cpu');
    expect(info.requestSource).toBe('default');
    expect(info.skipped.map((s) => s.backend)).toEqual(['tensorflow', 'wasm']);
    expect(info.skipped[1]?.reason).toBe('no WebAssembly here');
  });

  it('treats a backend asked for by name that cannot load as an error, not a fallback', async () => {
    const error = await initBackend({ backend: 'tensorflow', loaders: { tensorflow: brokenNative } }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(TensorError);
    expect(error.code).toBe('E_BACKEND_UNAVAILABLE');
    expect(error.message).toContain("backend 'tensorflow' was requested (option) but cannot load");
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('rejects an unknown backend, naming the parameter and the allowed values', async () => {
    await expect(initBackend({ backend: 'gpu' as never })).rejects.toThrow(
      /^backend must be one of 'auto', 'tensorflow', 'wasm', 'cpu', got "gpu"$/,
    );
    await expect(initBackend({ env: { TRAINLAB_BACKEND: 'webgpu' } })).rejects.toMatchObject({
      code: 'E_BACKEND_UNKNOWN',
      message: expect.stringContaining('TRAINLAB_BACKEND (environment) must be one of'),
    });
  });

  it('reads TRAINLAB_BACKEND when no backend is passed, and the option wins over it', async () => {
    const fromEnv = await initBackend({ env: { TRAINLAB_BACKEND: 'cpu' } });
    expect(fromEnv).toMatchObject({ name: 'cpu', requested: 'cpu', requestSource: 'env' });
    expect(fromEnv.message).toContain('requested by TRAINLAB_BACKEND');
    const fromOption = await initBackend({ backend: 'wasm', env: { TRAINLAB_BACKEND: 'cpu' } });
    expect(fromOption).toMatchObject({ name: 'wasm', requestSource: 'option' });
  });

  it('registers gradients: tf.grad works on every backend it chose', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend({ backend });
      const g = tf.tidy(() =>
        tf
          .grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, -2, 3]))
          .arraySync(),
      );
      expect(g).toEqual([2, -4, 6]);
    }
  });
});

describe('loadFailureReason', () => {
  it('says in plain words why tfjs-node did not load, without the install path', () => {
    // The message tfjs-node 4.22 throws when its install script could not fetch libtensorflow.
    const error = new Error(
      'The Node.js native addon module (tfjs_binding.node) can not be found at path: /home/u/project/node_modules/.pnpm/@tensorflow+tfjs-node@4.22.0_seedrandom@3.0.5/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node. \nPlease run command ...',
    );
    const reason = loadFailureReason(error);
    expect(reason).toMatch(/native addon \(tfjs_binding\.node\) is not installed/);
    expect(reason).toMatch(/downloads libtensorflow/);
    expect(reason).not.toContain('@tensorflow/tfjs-node'); // the browser bundle carries this text
    expect(reason).not.toContain('/home/u');
  });

  it('shortens installation paths to the package part instead of cutting the line', () => {
    const reason = loadFailureReason(
      new Error(
        `Cannot find module '/very/long/${'x'.repeat(300)}/node_modules/.pnpm/a@1/node_modules/@scope/pkg/dist/index.js' imported from /y/z`,
      ),
    );
    expect(reason).toBe("Cannot find module '…/@scope/pkg/dist/index.js' imported from /y/z");
  });
});

describe('engine limits and failures', () => {
  it('says how much one instance of each backend holds', () => {
    expect(memoryLimit('wasm', 64 * 2 ** 30)).toMatchObject({ bytes: WASM_HEAP_LIMIT_BYTES });
    expect(memoryLimit('wasm').reason).toMatch(/4 GiB one wasm backend instance can hold/);
    expect(memoryLimit('cpu', 16 * 2 ** 30)).toMatchObject({ bytes: 16 * 2 ** 30 });
    expect(memoryLimit('cpu', 16 * 2 ** 30).reason).toMatch(/16 GiB of RAM/);
    expect(memoryLimit('webgl', 16 * 2 ** 30).bytes).toBe(Number.POSITIVE_INFINITY);
  });

  it('tells fatal engine failures (the wasm heap broke) from ordinary errors', () => {
    class RuntimeError extends Error {}
    expect(engineFailure(new RuntimeError('table index is out of bounds'))).toMatch(/wasm engine failed/);
    expect(engineFailure(new Error('memory access out of bounds'))).toMatch(/heap is broken/);
    expect(engineFailure(new Error('XNN status 6'))).toMatch(/ran out of memory/);
    expect(engineFailure(new Error('Aborted(OOM). Build with -sASSERTIONS'))).toMatch(/ran out of memory/);
    expect(engineFailure(new Error('depth must be an integer'))).toBeUndefined();
    expect(engineFailure(new RangeError('Invalid typed array length: 4800000000'))).toBeUndefined();
  });
});
