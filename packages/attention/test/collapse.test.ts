/**
 * The exact identities of shared/research/rank-collapse.md ("Gradients under collapse") on the
 * model itself, on every backend the machine has.
 */
import { type BackendName, initBackend, Rng, tf } from '@trainlab/tensor';
import { expectClose } from '@trainlab/tensor/testing';
import { describe, expect, it } from 'vitest';
import { createTransformer, gradients, type TransformerConfig } from '../src/index';

const KINDS: [string, Partial<TransformerConfig>][] = [
  ['post-LN', { norm: 'post' }],
  ['pre-LN', { norm: 'pre' }],
  ['no LN', { norm: 'none', residualScale: 0.5 }],
  ['post-LN attention only', { norm: 'post', mlp: false }],
  ['pre-LN GELU, α = 1/√L', { norm: 'pre', mlp: { activation: 'gelu' }, residualScale: 'inv-sqrt-depth' }],
  ['no residual (pure attention)', { norm: 'none', residual: false, mlp: false }],
];

const D = 16;
const N = 6;
const DEPTH = 3;

function randn(shape: number[], seed: number | string): tf.Tensor {
  return tf.tensor(Float32Array.from(new Rng(seed).normal(shape.reduce((a, b) => a * b, 1))), shape);
}

function maxAbs(t: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
}

describe.each(['cpu', 'wasm'] as BackendName[])('on %s', (backend) => {
  it.each(KINDS)(
    '%s: rank-1 input ⇒ uniform attention and zero Q/K gradients at every layer',
    async (_, kind) => {
      await initBackend({ backend });
      const model = createTransformer({ dModel: D, depth: DEPTH, heads: 2, ...kind }, { seed: 11 });
      // Every token of a sequence is the same vector (a different one per sequence).
      const x = tf.tidy(() => tf.tile(randn([2, 1, D], 'tokens'), [1, N, 1]));
      const r = model.forward(x, { taps: { include: ['maps'] } });
      for (const t of r.taps)
        expectClose(t.maps!.dataSync(), 1 / N, 'float32Op', `block ${t.layer} attention`);
      r.dispose();

      const g = gradients(model, x, { kind: 'probe', seed: 3 });
      for (let l = 0; l < DEPTH; l++) {
        const v = g.norms[`blocks.${l}.attn.wv`]!;
        expect(v).toBeGreaterThan(1e-3);
        expect(g.norms[`blocks.${l}.attn.wq`]! / v, `layer ${l} W_Q`).toBeLessThan(1e-5);
        expect(g.norms[`blocks.${l}.attn.wk`]! / v, `layer ${l} W_K`).toBeLessThan(1e-5);
      }
      g.dispose();
      // The same model on generic input has Q/K gradients of the usual size (the test can fail).
      const y = randn([2, N, D], 'generic');
      const h = gradients(model, y, { kind: 'probe', seed: 3 });
      expect(h.norms['blocks.0.attn.wq']! / h.norms['blocks.0.attn.wv']!).toBeGreaterThan(1e-3);
      h.dispose();
      tf.dispose([x, y]);
      model.dispose();
    },
  );

  it('near collapse (X = 1xᵀ + εE) the Q/K gradients shrink like ε², the V gradient does not', async () => {
    await initBackend({ backend });
    const model = createTransformer({ dModel: D, depth: 1, heads: 2, mlp: false, norm: 'none' }, { seed: 2 });
    const base = tf.tidy(() => tf.tile(randn([1, 1, D], 'x'), [1, N, 1]));
    const e = randn([1, N, D], 'E');
    const at = (eps: number) => {
      const x = tf.tidy(() => tf.add(base, tf.mul(e, eps)));
      const g = gradients(model, x, { kind: 'probe', seed: 1 });
      x.dispose();
      g.dispose();
      return g.norms;
    };
    const a = at(1e-1);
    const b = at(1e-2);
    const slope = (name: string) => Math.log10(a[name]! / b[name]!);
    expect(slope('blocks.0.attn.wq')).toBeCloseTo(2, 1);
    expect(slope('blocks.0.attn.wk')).toBeCloseTo(2, 1);
    expect(Math.abs(slope('blocks.0.attn.wv'))).toBeLessThan(0.05);
    tf.dispose([base, e]);
    model.dispose();
  });

  it('uniform attention: each attention output row is the mean token times W_V W_O', async () => {
    await initBackend({ backend });
    for (const norm of ['post', 'pre'] as const) {
      const model = createTransformer(
        { dModel: D, depth: 2, heads: 4, norm, attention: 'uniform' },
        { seed: 4 },
      );
      const x = randn([N, D], 'x');
      const r = model.forward(x, { taps: { layers: [0], include: ['attn', 'maps'] } });
      const expected = tf.tidy(() => {
        const seen =
          norm === 'pre'
            ? tf.div(tf.sub(x, tf.mean(x, -1, true)), tf.sqrt(tf.add(tf.moments(x, -1, true).variance, 1e-5)))
            : x;
        const mean = tf.mean(seen, 0, true);
        const row = tf.matMul(
          tf.matMul(mean, model.param('blocks.0.attn.wv').variable),
          model.param('blocks.0.attn.wo').variable,
        );
        return tf.tile(row, [N, 1]);
      });
      const scale = maxAbs(expected);
      expect(maxAbs(tf.sub(r.taps[0]!.attn!, expected)) / scale).toBeLessThan(1e-5);
      expectClose(r.taps[0]!.maps!.dataSync(), 1 / N, 'float32Op', 'attention maps');
      const g = gradients(model, x, { kind: 'probe' });
      expect(g.norms['blocks.1.attn.wq']).toBe(0);
      expect(g.norms['blocks.1.attn.wv']).toBeGreaterThan(0);
      g.dispose();
      r.dispose();
      tf.dispose([x, expected]);
      model.dispose();
    }
  });

  it('W_Q = 0 ⇒ uniform attention and exactly zero W_K gradient; τ → 0 ⇒ uniform attention', async () => {
    await initBackend({ backend });
    const x = randn([2, N, D], 'x');
    const zeroQ = createTransformer({ dModel: D, depth: 2, heads: 2, init: { q: 0 } }, { seed: 5 });
    const r = zeroQ.forward(x, { taps: { include: ['maps'] } });
    for (const t of r.taps) expectClose(t.maps!.dataSync(), 1 / N, 'float32Op', `block ${t.layer} attention`);
    const g = gradients(zeroQ, x, { kind: 'probe' });
    expect(g.norms['blocks.0.attn.wk']).toBe(0);
    expect(g.norms['blocks.1.attn.wk']).toBe(0);
    expect(g.norms['blocks.0.attn.wq']).toBeGreaterThan(1e-3);
    g.dispose();
    r.dispose();

    const cold = createTransformer({ dModel: D, depth: 2, heads: 2, tau: 1e-9 }, { seed: 5 });
    const hot = createTransformer({ dModel: D, depth: 2, heads: 2, tau: 1 }, { seed: 5 });
    const rc = cold.forward(x, { taps: { include: ['maps'] } });
    const rh = hot.forward(x, { taps: { include: ['maps'] } });
    expectClose(rc.taps[1]!.maps!.dataSync(), 1 / N, 'float32Op', 'τ → 0 attention');
    expect(maxAbs(tf.sub(rh.taps[1]!.maps!, 1 / N))).toBeGreaterThan(1e-2);
    tf.dispose([rc, rh].flatMap((q) => [q.output, ...q.taps.map((t) => t.maps!)]));
    x.dispose();
    zeroQ.dispose();
    cold.dispose();
    hot.dispose();
  });

  it('masks: a masked key gets exactly zero attention and cannot change the other outputs', async () => {
    await initBackend({ backend });
    const model = createTransformer({ dModel: D, depth: 2, heads: 2, norm: 'pre' }, { seed: 6 });
    const x = randn([2, N, D], 'x');
    const mask = [
      [1, 1, 1, 1, 0, 0],
      [1, 0, 1, 1, 1, 1],
    ];
    const r = model.forward(x, { mask, taps: { include: ['maps'] } });
    const maps = r.taps[1]!.maps!.arraySync() as number[][][][];
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < N; j++) {
        if (mask[b]![j] === 0) for (const head of maps[b]!) for (const row of head) expect(row[j]).toBe(0);
      }
    }
    // Changing a padding token changes nothing at the real tokens.
    const other = tf.tidy(() => {
      const first = tf.concat([tf.slice(x, [0, 0, 0], [1, 4, D]), randn([1, 2, D], 'pad')], 1);
      return tf.concat([first, tf.slice(x, [1, 0, 0], [1, N, D])], 0);
    });
    const r2 = model.forward(other, { mask });
    const a = r.output.arraySync() as number[][][];
    const b = r2.output.arraySync() as number[][][];
    for (let i = 0; i < 4; i++) expect(b[0]![i]).toEqual(a[0]![i]);
    expect(b[0]![4]).not.toEqual(a[0]![4]);

    // Causal: a query sees only itself and earlier keys; later tokens cannot change earlier outputs.
    const causal = createTransformer({ dModel: D, depth: 2, heads: 2, causal: true }, { seed: 6 });
    const rc = causal.forward(x, { taps: { include: ['maps'] } });
    const cm = rc.taps[0]!.maps!.arraySync() as number[][][][];
    for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) expect(cm[0]![1]![i]![j]).toBe(0);
    const changed = tf.tidy(() =>
      tf.concat([tf.slice(x, [0, 0, 0], [2, N - 1, D]), randn([2, 1, D], 'last')], 1),
    );
    const rc2 = causal.forward(changed);
    const ca = rc.output.arraySync() as number[][][];
    const cb = rc2.output.arraySync() as number[][][];
    for (let i = 0; i < N - 1; i++) expect(cb[1]![i]).toEqual(ca[1]![i]);
    for (const q of [r, r2, rc, rc2]) q.dispose();
    tf.dispose([x, other, changed]);
    model.dispose();
    causal.dispose();
  });
});
