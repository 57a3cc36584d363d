/**
 * The theory against exact limits and against Monte Carlo runs of the real model (wasm backend,
 * d = 128, n = 32, three seeds). Tolerances are stated with each check.
 */
import { createTransformer } from '@trainlab/attention';
import { initBackend, Rng, tf } from '@trainlab/tensor';
import { expectClose } from '@trainlab/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  activationMoments,
  arcCosine,
  attentionJacobianNorms,
  attentionOnlyCorrelation,
  correlatedTokens,
  gradientRatioExperiment,
  gradientRatioForTokens,
  layerGradients,
  predictGradientRatio,
  predictPropagation,
  settingLabel,
  tokenCosineExperiment,
} from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('arc-cosine kernel and activation moments', () => {
  it('has the known values and pushes correlations up', () => {
    expectClose(arcCosine(1), 1, 'float64');
    expectClose(arcCosine(0), 1 / Math.PI, 'float64');
    expectClose(arcCosine(-1), 0, 'float64');
    for (const r of [-0.5, 0, 0.3, 0.9, 0.999]) expect(arcCosine(r)).toBeGreaterThan(r);
  });

  it('ReLU and GELU moments agree with sampling (200k draws, 2% tolerance)', () => {
    const rng = new Rng(1);
    const n = 200_000;
    const z1 = rng.normal(n);
    const z2 = rng.fork('2').normal(n);
    const gelu = (u: number) => 0.5 * u * (1 + erfApprox(u / Math.SQRT2));
    for (const [act, f] of [
      ['relu', (u: number) => Math.max(0, u)],
      ['gelu', gelu],
    ] as const) {
      for (const [variance, rho] of <[number, number][]>[
        [1, 0],
        [2, 0.6],
      ]) {
        const s = Math.sqrt(variance);
        let diag = 0;
        let off = 0;
        for (let i = 0; i < n; i++) {
          const u = s * z1[i]!;
          const v = s * (rho * z1[i]! + Math.sqrt(1 - rho * rho) * z2[i]!);
          diag += f(u) ** 2 / n;
          off += (f(u) * f(v)) / n;
        }
        const m = activationMoments(act, variance, rho);
        expect(m.diag / diag).toBeCloseTo(1, 1);
        expect(Math.abs(m.off - off) / diag).toBeLessThan(0.02);
      }
    }
  });
});

function erfApprox(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return Math.sign(x) * y;
}

describe('propagation theory', () => {
  it('the closed form equals the recursion, and α = 1/√L keeps ρ below (e − 1)/(n + e − 1)', () => {
    for (const alpha of [1, 0.3]) {
      const closed = attentionOnlyCorrelation({ n: 16, depth: 20, alpha, rho0: 0.1 });
      const recursion = predictPropagation(
        { dModel: 8, depth: 20, norm: 'none', mlp: false, residualScale: alpha },
        { n: 16, rho0: 0.1 },
      );
      closed.forEach((r, l) => {
        expectClose(recursion[l]!.rho, r, 'float64');
      });
    }
    const n = 32;
    const deep = attentionOnlyCorrelation({ n, depth: 10_000, alpha: 1 / Math.sqrt(10_000) });
    expect(deep.at(-1)).toBeCloseTo((Math.E - 1) / (n + Math.E - 1), 3);
    // With α = 1, 1 − ρ decays exponentially: 1 − ρ_L ≈ n / (r₀ 2^L).
    expect(1 - attentionOnlyCorrelation({ n, depth: 30, alpha: 1 }).at(-1)!).toBeLessThan(1e-7);
    // Pre-LN keeps (1 − ρ)·q constant along the stack.
    const pre = predictPropagation(
      { dModel: 8, depth: 10, norm: 'pre', mlp: false, finalNorm: false },
      { n, rho0: 0.2 },
    );
    for (const l of pre) expectClose((1 - l.rho) * l.q, 0.8, 'float64');
  });

  it('matches the measured token correlation per layer for every block kind (uniform attention: |Δρ| < 0.05)', async () => {
    const result = await tokenCosineExperiment({
      attention: 'uniform',
      dModel: 128,
      n: 32,
      depth: 8,
      seeds: 3,
    });
    expect(result.summary).toHaveLength(12 * 9);
    for (const row of result.summary) {
      expect(Math.abs(row.rho - row.predicted), `${settingLabel(row)}, layer ${row.layer}`).toBeLessThan(
        0.05,
      );
    }
  });

  it('and approximately with softmax attention, σ = 1, for Post-LN and Pre-LN (|Δρ| < 0.12)', async () => {
    const result = await tokenCosineExperiment({
      norms: ['post', 'pre'],
      dModel: 128,
      n: 32,
      depth: 8,
      seeds: 3,
    });
    for (const row of result.summary) {
      expect(Math.abs(row.rho - row.predicted), `${settingLabel(row)}, layer ${row.layer}`).toBeLessThan(
        0.12,
      );
    }
  });

  it.each([
    ['the default init', {}],
    ['He init of W₁ alone (init.mlp1 = √2)', { init: { mlp1: Math.SQRT2 } }],
    ['W₂ scaled alone (init.mlp2 = 0.5)', { init: { mlp2: 0.5 } }],
  ])(
    'predicts q (squared norm per feature) of a no-LN stack within 15%, with %s (its spread over seeds grows with depth)',
    (_, init) => {
      const config = {
        dModel: 256,
        depth: 6,
        heads: 4,
        norm: 'none',
        mlp: { hidden: 512 },
        residualScale: 0.7,
        attention: 'uniform',
        ...init,
      } as const;
      const predicted = predictPropagation(config, { n: 32 });
      const q = new Array(7).fill(0);
      for (let seed = 0; seed < 3; seed++) {
        const model = createTransformer(config, { seed });
        const x = correlatedTokens(32, 256, 0, 1, new Rng(seed));
        const r = model.forward(x, { taps: { include: ['output'] } });
        [x, ...r.taps.map((t) => t.output!)].forEach((t, l) => {
          q[l] += tf.tidy(() => tf.mean(tf.square(t)).dataSync()[0]!) / 3;
        });
        r.dispose();
        x.dispose();
        model.dispose();
      }
      for (let l = 0; l < 7; l++)
        expect(Math.abs(q[l] / predicted[l]!.q - 1), `layer ${l}`).toBeLessThan(0.15);
    },
  );

  it('He init of W₁ alone is not √2 on both weights: the theory tells them apart as the model does', () => {
    const base = {
      dModel: 64,
      depth: 4,
      heads: 4,
      norm: 'none',
      mlp: true,
      residualScale: 0.7,
      attention: 'uniform',
    } as const;
    const he = predictPropagation({ ...base, init: { mlp1: Math.SQRT2 } }, { n: 16 }).at(-1)!.q;
    const both = predictPropagation({ ...base, init: { mlp: Math.SQRT2 } }, { n: 16 }).at(-1)!.q;
    const split = predictPropagation({ ...base, init: { mlp: Math.SQRT2, mlp2: 1 } }, { n: 16 }).at(-1)!.q;
    expect(both).toBeGreaterThan(he * 1.2);
    expect(split).toBe(he);
    const model = createTransformer({ ...base, init: { mlp1: 2, mlp2: 0.25 } }, { seed: 1 });
    const w1 = model.param('blocks.0.mlp.w1').variable;
    const w2 = model.param('blocks.0.mlp.w2').variable;
    // Entries N(0, σ²/fan_in): W₁ has fan-in 64, W₂ 256.
    expect(tf.tidy(() => tf.moments(w1).variance.dataSync()[0]! * 64)).toBeCloseTo(4, 0);
    expect(tf.tidy(() => tf.moments(w2).variance.dataSync()[0]! * 256)).toBeCloseTo(0.0625, 1);
    model.dispose();
  });
});

describe('gradient ratio theory', () => {
  it('matches the measured Q/V ratio near uniform attention (τ = 0.25: within 20%)', async () => {
    const result = await gradientRatioExperiment({
      tau: 0.25,
      seeds: 3,
      sweeps: { rho: [0, 0.5, 0.9], headDim: [16, 64], n: [16, 64], sigmaX: [0.5, 1], tau: [0.125, 0.25] },
    });
    for (const row of result.summary) {
      // the theory is a ratio of expectations: compare it with the measured ratio of RMS norms
      expect(Math.abs(row.qOverVRms / row.predicted - 1), `${row.variable} = ${row.value}`).toBeLessThan(0.2);
      // both statistics are reported, labelled: the RMS ratio from the rows' own norms
      const rows = result.rows.filter((r) => r.variable === row.variable && r.value === row.value);
      const ms = (f: (r: (typeof rows)[number]) => number) =>
        rows.reduce((a, r) => a + f(r) ** 2, 0) / rows.length;
      expectClose(row.qOverVRms, Math.sqrt(ms((r) => r.q) / ms((r) => r.v)), 'float64');
      expectClose(row.qOverV, rows.reduce((a, r) => a + r.q / r.v, 0) / rows.length, 'float32');
      expect(Math.abs(row.predictedForTokens / row.predicted - 1)).toBeLessThan(0.1);
    }
    const at = (variable: string, value: number) =>
      result.summary.find((r) => r.variable === variable && r.value === value)!;
    // The ratio is linear in τ, quadratic in σ_x and independent of d_k.
    expect(at('tau', 0.25).qOverV / at('tau', 0.125).qOverV).toBeCloseTo(2, 0);
    expect(at('sigmaX', 1).qOverV / at('sigmaX', 0.5).qOverV).toBeCloseTo(4, 0);
    expect(Math.abs(at('headDim', 64).qOverV / at('headDim', 16).qOverV - 1)).toBeLessThan(0.25);
  });

  it('the closed form and the per-token form agree for large d, and the ratio vanishes as ρ → 1', () => {
    const x = correlatedTokens(32, 1024, 0.5, 1.5, new Rng(3));
    const tokens = { n: 32, d: 1024, data: x.dataSync() };
    const a = gradientRatioForTokens(tokens, { tau: 0.5, sigmaK: 2 });
    const b = predictGradientRatio({ n: 32, d: 1024, rho: 0.5, sigmaX: 1.5, tau: 0.5, sigmaK: 2 });
    expect(Math.abs(a.qOverV / b.qOverV - 1)).toBeLessThan(0.1);
    expectClose(b.kOverV / b.qOverV, 0.5, 'float64');
    expect(predictGradientRatio({ n: 32, d: 128, rho: 0.999 }).qOverV).toBeLessThan(1e-3);
    expect(() => predictGradientRatio({ n: 1, d: 128, rho: 0 })).toThrow(/n must be an integer ≥ 2/);
    x.dispose();
  });
});

describe('gradient measurements', () => {
  it('layerGradients sums the groups of each block and forms the ratios', () => {
    const model = createTransformer({ dModel: 16, depth: 3, heads: 2 }, { seed: 1 });
    const x = correlatedTokens(6, 16, 0, 1, new Rng(1));
    const { layers } = layerGradients(model, x);
    expect(layers.map((l) => l.layer)).toEqual([0, 1, 2]);
    for (const l of layers) {
      expectClose(l.qOverV, l.q / l.v, 'float64');
      expect(l.mlp).toBeGreaterThan(0);
    }
    x.dispose();
    model.dispose();
  });

  it('the random-probe Jacobian norm matches the exact one (256 probes: within 15%)', () => {
    const model = createTransformer({ dModel: 4, depth: 2, heads: 2, norm: 'pre' }, { seed: 2 });
    const x = correlatedTokens(3, 4, 0, 1, new Rng(2));
    const est = attentionJacobianNorms(model, x, { layer: 1, probes: 256, seed: 1 });
    // Exact: ‖J‖_F² = Σ over weight entries of ‖∂Attn/∂w‖², by central differences (the map is smooth).
    const r = model.forward(x, { taps: { layers: [1], include: ['input', 'attn'] } });
    const exact = (name: string) => {
      const p = model.param(`blocks.1.attn.${name}`);
      const base = p.variable.dataSync().slice();
      let total = 0;
      for (let i = 0; i < base.length; i++) {
        const at = (h: number) => {
          const w = base.slice();
          w[i]! += h;
          model.setWeights({ [p.name]: w });
          const o = model.forward(x, { taps: { layers: [1], include: ['attn'] } });
          const v = Array.from(o.taps[0]!.attn!.dataSync());
          o.dispose();
          return v;
        };
        const up = at(1e-2);
        const down = at(-1e-2);
        total += up.reduce((s, u, k) => s + ((u - down[k]!) / 2e-2) ** 2, 0);
      }
      model.setWeights({ [p.name]: base });
      return Math.sqrt(total);
    };
    for (const name of ['wq', 'wk', 'wv', 'wo'] as const) {
      const key = name.slice(1) as 'q' | 'k' | 'v' | 'o';
      expect(Math.abs(est[key] / exact(name) - 1), name).toBeLessThan(0.15);
    }
    expect(() => attentionJacobianNorms(model, x, { layer: 2 })).toThrow(
      /layer must be a block index from 0 to 1/,
    );
    r.dispose();
    x.dispose();
    model.dispose();
  });
});
