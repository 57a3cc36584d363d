import { initBackend, Rng, tf } from '@trainlab/tensor';
import { expectClose, expectNoTensorLeak } from '@trainlab/tensor/testing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttentionError, createTransformer, layerNorm, type TransformerConfig } from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function randn(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(Float32Array.from(new Rng(seed).normal(shape.reduce((a, b) => a * b, 1))), shape);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('config validation', () => {
  const bad: [Partial<TransformerConfig>, RegExp][] = [
    [{ depth: 0 }, /depth must be an integer from 1 to \d+, got 0/],
    [{ depth: 2.5 }, /depth must be an integer/],
    [{ heads: 3 }, /heads must be a divisor of dModel = 8 \(or set headDim\), got 3/],
    [{ norm: 'middle' as never }, /norm must be one of 'post', 'pre', 'none', got "middle"/],
    [{ init: { q: -1 } }, /init.q must be a finite number ≥ 0, got -1/],
    [{ init: { v: Number.NaN } }, /init.v must be a finite number ≥ 0, got NaN/],
    [{ tau: Number.POSITIVE_INFINITY }, /tau must be a finite number ≥ 0, got Infinity/],
    [{ normEps: 0 }, /normEps must be a finite number > 0, got 0/],
    [
      { residualScale: 'sqrt' as never },
      /residualScale must be a finite number ≥ 0 or 'inv-sqrt-depth', got "sqrt"/,
    ],
    [{ residualScale: { attn: -2 } }, /residualScale.attn must be/],
    [{ mlp: { hidden: 0 } }, /mlp.hidden must be an integer from 1/],
    [{ mlp: { activation: 'tanh' as never } }, /mlp.activation must be one of 'relu', 'gelu', got "tanh"/],
    [{ positional: 'learned' }, /maxLength must be an integer ≥ 1 \(required with positional: 'learned'\)/],
    [{ heds: 2 } as never, /heds must be a known field \(did you mean 'heads'\?\)/],
    [{ causal: 'yes' as never }, /causal must be true or false, got "yes"/],
    [{ valueDim: 0 }, /valueDim must be an integer from 1/],
    [
      { heads: 2, valueDim: 3, outputProjection: false },
      /outputProjection must be true, or heads·valueDim = dModel \(the heads' outputs are the sub-layer's output\): 2·3 ≠ 8, got false/,
    ],
    [{ outputs: -3 }, /outputs must be an integer from 1/],
  ];
  it.each(bad)('%j', (patch, message) => {
    const error = (() => {
      try {
        createTransformer({ dModel: 8, depth: 2, ...patch });
      } catch (e) {
        return e;
      }
      return undefined;
    })() as AttentionError;
    expect(error).toBeInstanceOf(AttentionError);
    expect(error.code).toBe('E_CONFIG');
    expect(error.message).toMatch(message);
  });

  it('reports every bad field at once, before any tensor is made', () => {
    const before = tf.memory().numTensors;
    let error: AttentionError | undefined;
    try {
      createTransformer({ dModel: 0, depth: -1, heads: 2, tau: -1, init: { k: -1 } } as TransformerConfig);
    } catch (e) {
      error = e as AttentionError;
    }
    expect(error?.issues.map((i) => i.path)).toEqual(['dModel', 'depth', 'tau', 'init.k']);
    expect(error?.message).toMatch(/4 problems/);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => createTransformer({ depth: 2 } as TransformerConfig)).toThrow(
      /dModel must be .*\(required\)/,
    );
    expect(() => createTransformer(null as never)).toThrow(/config must be an object/);
  });

  it('fills in defaults and resolves residual scales', () => {
    const m = createTransformer({
      dModel: 8,
      depth: 16,
      heads: 2,
      norm: 'pre',
      residualScale: 'inv-sqrt-depth',
    });
    expect(m.config).toMatchObject({
      headDim: 4,
      finalNorm: true,
      mlp: { hidden: 32, activation: 'relu' },
      alphaAttn: 0.25,
      alphaMlp: 0.25,
      tau: 1,
      attention: 'softmax',
    });
    m.dispose();
  });
});

describe('parameters', () => {
  it('are named and grouped as documented', () => {
    const m = createTransformer({
      dModel: 4,
      depth: 2,
      vocabSize: 10,
      positional: 'learned',
      maxLength: 8,
      outputs: 3,
    });
    expect(m.parameters.filter((p) => p.layer === 1).map((p) => `${p.name}:${p.group}`)).toEqual([
      'blocks.1.ln1.gamma:ln',
      'blocks.1.ln1.beta:ln',
      'blocks.1.attn.wq:q',
      'blocks.1.attn.wk:k',
      'blocks.1.attn.wv:v',
      'blocks.1.attn.wo:o',
      'blocks.1.ln2.gamma:ln',
      'blocks.1.ln2.beta:ln',
      'blocks.1.mlp.w1:mlp',
      'blocks.1.mlp.b1:mlp',
      'blocks.1.mlp.w2:mlp',
      'blocks.1.mlp.b2:mlp',
    ]);
    expect(m.parameters.filter((p) => p.layer === null).map((p) => p.name)).toEqual([
      'embed.tokens',
      'embed.positions',
      'head.w',
      'head.b',
    ]);
    // embeddings + positions + 2 × (4 LN vectors + W_Q,K,V,O + W₁ + b₁ + W₂ + b₂) + head
    expect(m.size).toBe(10 * 4 + 8 * 4 + 2 * (4 * 4 + 4 * 4 * 4 + 4 * 16 + 16 + 16 * 4 + 4) + 4 * 3 + 3);
    expect(() => m.param('blocks.1.attn.wx')).toThrow(/near: blocks.1.ln1.gamma/);
    m.dispose();
  });

  it('are drawn with variance σ²/fan_in per group', () => {
    const m = createTransformer(
      { dModel: 64, depth: 1, heads: 4, mlp: { hidden: 128 }, init: { q: 2, k: 0, v: 0.5, mlp: Math.SQRT2 } },
      { seed: 7 },
    );
    const variance = (name: string) => {
      const v = m.param(name).variable.dataSync();
      return Array.from(v).reduce((s, x) => s + x * x, 0) / v.length;
    };
    expect(variance('blocks.0.attn.wq')).toBeCloseTo(4 / 64, 2);
    expect(variance('blocks.0.attn.wk')).toBe(0);
    expect(variance('blocks.0.attn.wv') * 64).toBeCloseTo(0.25, 1);
    expect(variance('blocks.0.mlp.w2') * 128).toBeCloseTo(2, 1);
    m.dispose();
  });

  it('depend only on the seed and their name', () => {
    const a = createTransformer({ dModel: 8, depth: 3 }, { seed: 5 });
    const b = createTransformer({ dModel: 8, depth: 5 }, { seed: 5 });
    const c = createTransformer({ dModel: 8, depth: 3 }, { seed: 6 });
    const wa = a.weights();
    const wb = b.weights();
    for (const name of Object.keys(wa)) expect(wb[name]).toEqual(wa[name]);
    expect(c.weights()['blocks.0.attn.wq']).not.toEqual(wa['blocks.0.attn.wq']);
    a.dispose();
    b.dispose();
    c.dispose();
  });
});

describe('forward', () => {
  it('keeps the input layout and shapes every tap', () => {
    const m = createTransformer({ dModel: 8, depth: 3, heads: 2 }, { seed: 1 });
    const x = randn([5, 8], 1);
    const r = m.forward(x, { taps: { layers: [0, 2] } });
    expect(r.output.shape).toEqual([5, 8]);
    expect(r.taps.map((t) => t.layer)).toEqual([0, 2]);
    for (const name of ['input', 'attn', 'mid', 'mlp', 'output'] as const)
      expect(r.taps[0]![name]!.shape).toEqual([5, 8]);
    expect(r.taps[1]!.maps!.shape).toEqual([2, 5, 5]);
    const rowSums = tf.sum(r.taps[1]!.maps!, -1).dataSync();
    expectClose(rowSums, 1, 'float32Op', 'attention row sums');
    // The last tapped output is the model's output (no final LN for post-LN).
    expect(maxAbsDiff(r.taps[1]!.output!.dataSync(), r.output.dataSync())).toBe(0);
    r.dispose();
    const batched = m.forward(tf.stack([x, x]), { taps: { include: ['maps'] } });
    expect(batched.output.shape).toEqual([2, 5, 8]);
    expect(batched.taps[0]!.input).toBeUndefined();
    expect(batched.taps[0]!.maps!.shape).toEqual([2, 2, 5, 5]);
    batched.dispose();
    x.dispose();
    m.dispose();
  });

  it('taps what the attention sub-layer sees: LN₁(X) for Pre-LN, X (a tensor of its own) otherwise', () => {
    const x = randn([3, 7, 5], 4);
    for (const norm of ['pre', 'post', 'none'] as const) {
      const m = createTransformer({ dModel: 5, depth: 2, heads: 1, norm }, { seed: 2 });
      const before = tf.memory().numTensors;
      const r = m.forward(x, { taps: { include: ['input', 'attnIn'] } });
      for (const t of r.taps) {
        const g = norm === 'pre' ? m.param(`blocks.${t.layer}.ln1.gamma`).variable : undefined;
        const b = norm === 'pre' ? m.param(`blocks.${t.layer}.ln1.beta`).variable : undefined;
        const expected = tf.tidy(() =>
          norm === 'pre' ? layerNorm(t.input!, m.config.normEps, g, b) : tf.clone(t.input!),
        );
        expectClose(t.attnIn!.dataSync(), expected.dataSync(), 'float32Op', `${norm} block ${t.layer}`);
        expected.dispose();
        expect(t.attnIn).not.toBe(t.input);
      }
      r.dispose();
      expect(tf.memory().numTensors, norm).toBe(before);
      m.dispose();
    }
    x.dispose();
  });

  it('rejects inputs that do not fit, naming what is expected', () => {
    const m = createTransformer({ dModel: 8, depth: 1 });
    expect(() => m.forward(tf.zeros([2, 5, 7]))).toThrow(/last axis must be dModel = 8/);
    expect(() => m.forward(tf.zeros([8]))).toThrow(/input must be \[batch, n, 8\] or \[n, 8\]/);
    expect(() => m.forward(tf.zeros([2, 5, 8]), { mask: [[1, 1, 1, 1, 1]] })).toThrow(
      /mask must have shape \[2,5\]/,
    );
    expect(() => m.forward(tf.zeros([5, 8]), { taps: { layers: [1] } })).toThrow(
      /taps.layers must be block indices from 0 to 0/,
    );
    const ids = createTransformer({ dModel: 8, depth: 1, vocabSize: 4, positional: 'learned', maxLength: 3 });
    expect(() => ids.forward([0, 1, 4])).toThrow(/input token 2 must be an integer id from 0 to 3, got 4/);
    expect(() => ids.forward([0, 1, 2, 3])).toThrow(/4 tokens, more than maxLength = 3/);
    expect(ids.forward([0, 1, 2]).output.shape).toEqual([3, 8]);
    ids.dispose();
    m.dispose();
    expect(() => m.forward(tf.zeros([5, 8]))).toThrow(/disposed/);
  });

  it('is equivariant to token permutations without positions or a causal mask (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('post', 'pre', 'none'),
        fc.boolean(),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        (norm, withMlp, n, seed) => {
          const m = createTransformer({ dModel: 8, depth: 2, heads: 2, norm, mlp: withMlp }, { seed });
          const x = randn([n, 8], seed);
          const keys = new Rng(seed).fork('perm').normal(n);
          const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => keys[i]! - keys[j]!);
          const idx = tf.tensor1d(order, 'int32');
          const y = m.forward(x).output;
          const yp = m.forward(tf.gather(x, idx)).output;
          const expected = tf.gather(y, idx);
          const diff = maxAbsDiff(yp.dataSync(), expected.dataSync());
          tf.dispose([x, idx, y, yp, expected]);
          m.dispose();
          return diff < 1e-4;
        },
      ),
      { numRuns: 20 },
    );
  });

  it('frees everything it makes, with or without taps and masks', async () => {
    const m = createTransformer(
      { dModel: 8, depth: 2, heads: 2, vocabSize: 6, positional: 'sinusoidal', causal: true, outputs: 2 },
      { seed: 1 },
    );
    const ids = tf.tensor2d(
      [
        [1, 2, 3],
        [3, 4, 5],
      ],
      undefined,
      'int32',
    );
    await expectNoTensorLeak(() => m.forward(ids).dispose());
    await expectNoTensorLeak(() =>
      m
        .forward(ids, {
          taps: true,
          mask: [
            [1, 1, 0],
            [1, 1, 1],
          ],
        })
        .dispose(),
    );
    await expectNoTensorLeak(() => expect(() => m.forward([[1, 2, 9]])).toThrow());
    ids.dispose();
    const before = tf.memory().numTensors;
    m.dispose();
    expect(tf.memory().numTensors).toBe(before - m.parameters.length);
  });
});

describe('the typed block record', () => {
  it.each([
    ['post', true, true],
    ['pre', true, false],
    ['none', false, true],
  ] as const)('%s-LN (MLP %s, affine %s): every weight once, by where it sits', (norm, mlpOn, affine) => {
    const m = createTransformer(
      { dModel: 6, depth: 3, heads: 2, norm, mlp: mlpOn, normAffine: affine, vocabSize: 5, outputs: 3 },
      { seed: 1 },
    );
    const byVariable = new Map(m.parameters.map((p) => [p.variable, p.name]));
    const seen: string[] = [];
    m.blocks.forEach((b, l) => {
      const at = (v: unknown, name: string) => {
        expect(byVariable.get(v as never), name).toBe(name);
        seen.push(name);
      };
      for (const w of ['wq', 'wk', 'wv', 'wo'] as const) at(b.attn[w], `blocks.${l}.attn.${w}`);
      expect(b.ln1 !== undefined, 'ln1').toBe(norm !== 'none');
      expect(b.ln2 !== undefined, 'ln2').toBe(norm !== 'none' && mlpOn);
      for (const [key, ln] of [
        ['ln1', b.ln1],
        ['ln2', b.ln2],
      ] as const) {
        if (!ln) continue;
        expect(ln.gamma !== undefined, `${key}.gamma`).toBe(affine);
        if (ln.gamma) at(ln.gamma, `blocks.${l}.${key}.gamma`);
        if (ln.beta) at(ln.beta, `blocks.${l}.${key}.beta`);
      }
      expect(b.mlp !== undefined).toBe(mlpOn);
      if (b.mlp) for (const w of ['w1', 'b1', 'w2', 'b2'] as const) at(b.mlp[w], `blocks.${l}.mlp.${w}`);
    });
    const blockParams = m.parameters.filter((p) => p.layer !== null).map((p) => p.name);
    expect(seen.sort()).toEqual(blockParams.sort());
    m.dispose();
  });
});
