/**
 * The tfjs model against an independent float64 implementation (test/reference.ts): the forward
 * pass entry by entry, and every gradient entry of every parameter against central finite
 * differences of the float64 loss, for every block kind, loss and input kind.
 */

import { initBackend, Rng, tf } from '@trainlab/tensor';
import { closeness, expectClose, expectNoTensorLeak } from '@trainlab/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTransformer,
  gradientNorms,
  gradients,
  groupNorms,
  type LossSpec,
  type Transformer,
  type TransformerConfig,
} from '../src/index';
import { finiteDifferences, type RefInput, refForward, type Weights } from './reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

// Distinct primes for every dimension (batch 3, tokens 7, width 13, heads 2 of width 5, MLP 11), so
// a swapped or mis-reshaped axis cannot cancel out the way it can when two of them are equal.
const N = 7;
const BATCH = 3;

interface Case {
  name: string;
  config: TransformerConfig;
  loss: 'probe' | 'mse' | 'mse-target' | 'cross-entropy';
  ids?: boolean;
  mask?: boolean;
}

const small = { dModel: 13, heads: 2, headDim: 5, depth: 2, mlp: { hidden: 11 } } as const;

const CASES: Case[] = [
  { name: 'post-LN, ReLU MLP', config: { ...small, norm: 'post' }, loss: 'probe' },
  {
    name: 'pre-LN, GELU MLP, final LN, α = 1/√L, τ = 0.7',
    config: {
      ...small,
      norm: 'pre',
      mlp: { hidden: 11, activation: 'gelu' },
      residualScale: 'inv-sqrt-depth',
      tau: 0.7,
    },
    loss: 'probe',
  },
  {
    name: 'no LN, attention only, α = 0.5, three heads of width 3',
    config: { dModel: 13, depth: 3, heads: 3, headDim: 3, norm: 'none', mlp: false, residualScale: 0.5 },
    loss: 'mse',
  },
  {
    name: 'values narrower than keys (d_v = 2, d_k = 5), pre-LN',
    config: { ...small, norm: 'pre', valueDim: 2 },
    loss: 'probe',
  },
  {
    name: 'no W_O: three heads of values 4 + 4 + 4 = d, post-LN, d_k = 3',
    config: {
      dModel: 12,
      depth: 2,
      heads: 3,
      headDim: 3,
      valueDim: 4,
      outputProjection: false,
      norm: 'post',
      mlp: { hidden: 7 },
    },
    loss: 'probe',
  },
  {
    name: 'identity attention (each token attends to itself), post-LN',
    config: { ...small, norm: 'post', attention: 'identity' },
    loss: 'probe',
  },
  {
    name: 'no residual (pure attention), post-LN, no LN affine',
    config: { ...small, norm: 'post', residual: false, normAffine: false },
    loss: 'probe',
  },
  {
    name: 'pre-LN with separate α, sinusoidal positions, head, MSE to a target',
    config: {
      ...small,
      norm: 'pre',
      residualScale: { attn: 0.3, mlp: 0.8 },
      positional: 'sinusoidal',
      outputs: 3,
    },
    loss: 'mse-target',
  },
  {
    name: 'embedding, learned positions, causal, key mask, head, cross-entropy',
    config: {
      ...small,
      norm: 'post',
      vocabSize: 5,
      positional: 'learned',
      maxLength: 8,
      causal: true,
      outputs: 3,
    },
    loss: 'cross-entropy',
    ids: true,
    mask: true,
  },
  {
    name: 'uniform attention (pre-LN)',
    config: { ...small, norm: 'pre', attention: 'uniform' },
    loss: 'probe',
  },
];

/** Moves every weight off its init (LN gains near 1, biases nonzero) so that each one matters. */
function perturb(model: Transformer, seed: number): Weights {
  const rng = new Rng(seed);
  const values: Record<string, Float64Array> = {};
  for (const p of model.parameters) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const current = p.variable.dataSync();
    const noise = rng.fork(p.name).normal(size, 0, 0.3);
    const isGain = p.name.endsWith('.gamma');
    const isBias = p.name.endsWith('.beta') || /\.b\d?$/.test(p.name);
    values[p.name] = Float64Array.from(current, (v, i) =>
      Math.fround(isGain ? 1 + noise[i]! : isBias ? noise[i]! : v),
    );
  }
  model.setWeights(values);
  return values;
}

function makeInput(model: Transformer, c: Case, seed: number) {
  const rng = new Rng(seed);
  const ref: RefInput = { batch: BATCH, n: N };
  let input: tf.Tensor;
  if (c.ids) {
    const ids = Int32Array.from({ length: BATCH * N }, () => rng.int(model.config.vocabSize!));
    ref.ids = ids;
    input = tf.tensor2d(ids, [BATCH, N], 'int32');
  } else {
    const x = Float32Array.from(rng.normal(BATCH * N * model.config.dModel));
    ref.x = Float64Array.from(x);
    input = tf.tensor3d(x, [BATCH, N, model.config.dModel]);
  }
  let mask: number[][] | undefined;
  if (c.mask) {
    // Padding at the end, in the middle, and none.
    mask = [
      [1, 1, 1, 1, 1, 0, 0],
      [1, 0, 1, 1, 0, 1, 1],
      [1, 1, 1, 1, 1, 1, 1],
    ];
    ref.mask = Float64Array.from(mask.flat());
  }
  return { input, ref, mask };
}

function lossPair(model: Transformer, c: Case): { spec: LossSpec; ref: (y: Float64Array) => number } {
  const width = model.config.outputs ?? model.config.dModel;
  const size = BATCH * N * width;
  switch (c.loss) {
    case 'probe': {
      const g = Float32Array.from(new Rng(9).fork('probe').normal(size));
      return { spec: { kind: 'probe', seed: 9 }, ref: (y) => y.reduce((s, v, i) => s + v * g[i]!, 0) };
    }
    case 'mse':
      return { spec: { kind: 'mse' }, ref: (y) => y.reduce((s, v) => s + v * v, 0) / y.length };
    case 'mse-target': {
      const t = Float32Array.from(new Rng(10).normal(size));
      const target = tf.tensor3d(t, [BATCH, N, width]);
      return {
        spec: { kind: 'mse', target },
        ref: (y) => y.reduce((s, v, i) => s + (v - t[i]!) ** 2, 0) / y.length,
      };
    }
    case 'cross-entropy': {
      const targets = [
        [0, 2, -1, 1, 2, 0, 1],
        [2, 1, 1, -1, 0, 0, 2],
        [1, -1, 0, 2, 1, 2, 0],
      ];
      const flat = targets.flat();
      return {
        spec: { kind: 'cross-entropy', targets },
        ref: (y) => {
          let total = 0;
          let count = 0;
          flat.forEach((t, i) => {
            if (t < 0) return;
            const row = y.slice(i * width, (i + 1) * width);
            const max = Math.max(...row);
            const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
            total += lse - row[t]!;
            count++;
          });
          return total / count;
        },
      };
    }
  }
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2;
  return Math.sqrt(s);
}

describe.each(CASES)('$name', (c) => {
  it('forward matches the float64 reference and every gradient matches central differences', () => {
    const model = createTransformer(c.config, { seed: 3 });
    const weights = perturb(model, 4);
    const { input, ref, mask } = makeInput(model, c, 5);

    const out = model.forward(input, mask ? { mask } : {});
    const expected = refForward(model.config, weights, ref);
    expect(closeness(out.output.dataSync(), expected, { rtol: 1e-4, atol: 1e-5 })).toBeLessThanOrEqual(1);
    out.dispose();

    const { spec, ref: refLoss } = lossPair(model, c);
    const g = gradients(model, input, spec, mask ? { mask } : {});
    const names = model.parameters.map((p) => p.name);
    const fd = finiteDifferences(weights, names, (w) => refLoss(refForward(model.config, w, ref)));
    expect(g.loss).toBeCloseTo(refLoss(expected), 4);

    const scale = Math.max(...names.map((n) => norm(fd[n]!)));
    expect(scale).toBeGreaterThan(0);
    for (const name of names) {
      const got = g.grads[name]!.dataSync();
      const want = fd[name]!;
      const diff = norm(Array.from(got, (v, i) => v - want[i]!));
      const rel = diff / Math.max(norm(want), 1e-3 * scale);
      expect(rel, `${name}: ‖tfjs − FD‖ / ‖FD‖`).toBeLessThan(2e-3);
      expect(g.norms[name]).toBeCloseTo(norm(got), 4);
    }
    if (c.config.attention === 'uniform' || c.config.attention === 'identity') {
      // Under fixed uniform or identity attention W_Q and W_K do not reach the output.
      for (const name of names.filter((n) => /attn\.w[qk]$/.test(n))) expect(norm(fd[name]!)).toBe(0);
    }
    g.dispose();
    input.dispose();
    if (typeof spec === 'object' && spec.kind === 'mse' && spec.target) (spec.target as tf.Tensor).dispose();
    model.dispose();
  });
});

describe('gradients', () => {
  it('restricts to named parameters or groups, and sums groups per block', () => {
    const model = createTransformer({ dModel: 8, depth: 3, heads: 2 }, { seed: 1 });
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 1);
    const all = gradientNorms(model, x, { kind: 'probe' });
    const qv = gradientNorms(model, x, { kind: 'probe' }, { params: ['q', 'blocks.1.attn.wv'] });
    expect(Object.keys(qv.norms)).toEqual([
      'blocks.0.attn.wq',
      'blocks.1.attn.wq',
      'blocks.1.attn.wv',
      'blocks.2.attn.wq',
    ]);
    for (const [name, v] of Object.entries(qv.norms)) expectClose(v, all.norms[name]!, 'float32Op', name);

    const groups = groupNorms(model, all.norms);
    const mlp1 = groups.find((e) => e.layer === 1 && e.group === 'mlp')!;
    const parts = ['w1', 'b1', 'w2', 'b2'].map((p) => all.norms[`blocks.1.mlp.${p}`]!);
    expect(mlp1.norm).toBeCloseTo(Math.hypot(...parts), 5);
    expect(groups.filter((e) => e.group === 'q').map((e) => e.layer)).toEqual([0, 1, 2]);
    x.dispose();
    model.dispose();
  });

  it('rejects bad losses, targets and selections before any work', () => {
    const model = createTransformer({ dModel: 4, depth: 1 }, { seed: 1 });
    const x = tf.zeros([3, 4]);
    expect(() => gradients(model, x, { kind: 'cross-entropy', targets: [0, 1, 2] })).toThrow(/output head/);
    expect(() => gradients(model, x, { kind: 'hinge' } as never)).toThrow(/loss.kind must be 'mse'/);
    expect(() => gradients(model, x, { kind: 'mse', target: [[1, 2, 3, 4]] })).toThrow(
      /loss.target must have/,
    );
    expect(() => gradients(model, x, { kind: 'probe' }, { params: ['blocks.7.attn.wq'] })).toThrow(
      /no parameter named "blocks.7.attn.wq"/,
    );
    expect(() => gradients(model, x, () => tf.ones([2]))).toThrow(/scalar/);
    const head = createTransformer({ dModel: 4, depth: 1, outputs: 3 }, { seed: 1 });
    expect(() => gradients(head, x, { kind: 'cross-entropy', targets: [0, 3, 1] })).toThrow(
      /loss.targets\[1\] must be a class id from 0 to 2/,
    );
    expect(() => gradients(head, x, { kind: 'cross-entropy', targets: [-1, -1, -1] })).toThrow(
      /at least one/,
    );
    x.dispose();
    model.dispose();
    head.dispose();
  });

  it('leaves no tensors behind, whatever the loss', async () => {
    const model = createTransformer(
      { dModel: 8, depth: 2, heads: 2, outputs: 3, vocabSize: 7, positional: 'sinusoidal' },
      { seed: 1 },
    );
    const ids = tf.tensor2d(
      [
        [1, 2, 3, 4],
        [4, 5, 6, 0],
      ],
      undefined,
      'int32',
    );
    for (const loss of [
      { kind: 'probe' },
      { kind: 'mse' },
      {
        kind: 'cross-entropy',
        targets: [
          [0, 1, 2, 0],
          [1, 1, -1, 2],
        ],
      },
    ] as LossSpec[]) {
      await expectNoTensorLeak(() =>
        gradients(model, ids, loss, {
          mask: [
            [1, 1, 1, 0],
            [1, 1, 1, 1],
          ],
        }).dispose(),
      );
    }
    // A loss that throws midway frees what it made.
    await expectNoTensorLeak(() => {
      expect(() =>
        gradients(model, ids, {
          kind: 'cross-entropy',
          targets: [
            [0, 9, 0, 0],
            [0, 0, 0, 0],
          ],
        }),
      ).toThrow();
    });
    ids.dispose();
    model.dispose();
  });
});
