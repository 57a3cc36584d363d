import { initBackend, TrainlabError } from '@trainlab/tensor';
import { expectClose } from '@trainlab/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CellResult,
  collapseExperiment,
  depthSweepExperiment,
  dongResidualExperiment,
  EXPERIMENTS,
  gradientNormsExperiment,
  hasScale,
  type ProgressEvent,
  type TokenCosineRow,
  tokenCosineExperiment,
} from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const tiny = { dModel: 32, n: 8, seeds: 2 } as const;

describe('runner protocol', () => {
  it('reports every cell, hands each one out, and resumes without recomputing finished cells', async () => {
    const events: ProgressEvent[] = [];
    const saved: CellResult<TokenCosineRow>[] = [];
    const config = { ...tiny, depth: 3, norms: ['post', 'pre'] as ('post' | 'pre')[], mlp: [false] };
    const full = await tokenCosineExperiment(config, {
      onProgress: (e) => events.push(e),
      onCell: (c) => void saved.push(c),
    });
    expect(events.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.every((e) => e.total === 8 && !e.reused)).toBe(true);
    expect(saved).toHaveLength(8);
    expect(full.rows).toHaveLength(8 * 4);

    // A rerun given the first five cells computes only the other three, and gets the same numbers.
    const computed: string[] = [];
    const resumed = await tokenCosineExperiment(config, {
      completed: saved.slice(0, 5),
      onCell: (c) => void computed.push(c.key),
    });
    expect(computed).toEqual(saved.slice(5).map((c) => c.key));
    expect(resumed.rows).toEqual(full.rows);
    expect(resumed.figure.$schema).toMatch(/vega-lite\/v5/);
    expect((resumed.figure.data as { values: unknown[] }).values.length).toBe(2 * full.summary.length);
  });

  it('numbers seeds from `seed`, so a run with seeds 1…2 repeats those cells of a run with seeds 0…2', async () => {
    const config = { ...tiny, depth: 2, norms: ['pre'] as 'pre'[], mlp: [true], scales: [1] };
    const all = await tokenCosineExperiment({ ...config, seeds: 3 });
    const part = await tokenCosineExperiment({ ...config, seeds: 2, seed: 1 });
    expect(part.rows).toEqual(all.rows.filter((r) => r.seed >= 1));
  });

  it('stops between cells when aborted', async () => {
    const controller = new AbortController();
    const run = tokenCosineExperiment(
      { ...tiny, depth: 2 },
      { signal: controller.signal, onProgress: (e) => e.done === 2 && controller.abort() },
    );
    await expect(run).rejects.toMatchObject({
      code: 'E_ABORTED',
      message: expect.stringMatching(/after 2 of 24 cells/),
    });
  });

  it('rejects a bad config before any work, naming every bad field', async () => {
    const error = (await tokenCosineExperiment({
      depth: 0,
      norms: ['mid' as never],
      seeds: -1,
      colour: 1,
    } as never).catch((e: unknown) => e)) as TrainlabError;
    expect(error).toBeInstanceOf(TrainlabError);
    expect(error).toMatchObject({ code: 'E_CONFIG', kind: 'user' });
    expect(error.message).toMatch(/^invalid signal config \(4 problems\)/);
    expect(error.message).toMatch(/colour: unknown field/);
    expect(error.message).toMatch(/seeds: must be an integer from 1 to 1000, got -1/);
    expect(error.message).toMatch(/norms\.0: must be one of 'post', 'pre', 'none', got "mid"/);
    expect(error.message).toMatch(/depth: must be an integer from 1 to 1024, got 0/);
    await expect(depthSweepExperiment({ depths: [0] })).rejects.toThrow(/depths\.0: must be an integer/);
    await expect(collapseExperiment({ eps: [-1] })).rejects.toThrow(/eps\.0: must be a number from 0/);
  });
});

describe('model knobs', () => {
  it('the MLP width reaches the model (MLP rows change, attention-only rows do not) and the memory estimate', async () => {
    const config = { ...tiny, depth: 2, norms: ['post'] as 'post'[], scales: [1], seeds: 1 };
    const wide = await tokenCosineExperiment(config);
    const narrow = await tokenCosineExperiment({ ...config, mlpHidden: 4 });
    const last = (r: typeof wide, mlp: boolean) => r.rows.filter((row) => row.mlp === mlp).at(-1)!.cosine;
    expect(last(narrow, false)).toBe(last(wide, false));
    expect(last(narrow, true)).not.toBe(last(wide, true));
    const signal = EXPERIMENTS.find((d) => d.id === 'signal')!;
    const need = (mlpHidden?: number) =>
      signal.memory!(
        signal.schema.parse({ dModel: 256, n: 64, depth: 8, ...(mlpHidden ? { mlpHidden } : {}) }),
      ).bytes;
    expect(need(4096)).toBeGreaterThan(need());
    expect(need(256)).toBeLessThan(need());
  });

  it('LayerNorm knobs reach the model: ε changes Post-LN rows, no affine removes the LN parameters', async () => {
    const config = { ...tiny, depth: 2, norms: ['post'] as 'post'[], scales: [1], seeds: 1, mlp: [false] };
    const base = await tokenCosineExperiment(config);
    const eps = await tokenCosineExperiment({ ...config, normEps: 0.5 });
    expect(eps.rows.at(-1)!.cosine).not.toBe(base.rows.at(-1)!.cosine);
    const grads = EXPERIMENTS.find((d) => d.id === 'grads')!;
    // Without affine LayerNorms the model has no LN parameters: its parameter count shrinks by 2d per LN.
    const withLn = grads.memory!(grads.schema.parse(config)).bytes;
    const without = grads.memory!(grads.schema.parse({ ...config, normAffine: false })).bytes;
    expect(without).toBeLessThan(withLn);
  });
});

describe('value width and output projection', () => {
  it('reach the model: no W_O gives W_O gradients of 0 and the theory drops σ_o; d_v changes the rows', async () => {
    const config = { ...tiny, depth: 2, norms: ['post'] as 'post'[], scales: [1], seeds: 1, mlp: [false] };
    const grads = await gradientNormsExperiment({
      ...config,
      heads: 2,
      valueDim: 16,
      outputProjection: false,
    });
    expect(grads.rows.length).toBeGreaterThan(0);
    const of = (group: string) => grads.rows.filter((row) => row.group === group).map((row) => row.gradient);
    expect(of('o').length).toBeGreaterThan(0);
    expect(of('o').every((g) => g === 0)).toBe(true);
    expect(of('v').every((g) => g > 0)).toBe(true);
    const base = await tokenCosineExperiment(config);
    const narrow = await tokenCosineExperiment({ ...config, valueDim: 3 });
    expect(narrow.rows.at(-1)!.cosine).not.toBe(base.rows.at(-1)!.cosine);
    // σ_o = 4 matters with W_O and not without it
    const loud = await tokenCosineExperiment({ ...config, heads: 2, init: { o: 4 } });
    const loudNoO = await tokenCosineExperiment({
      ...config,
      heads: 2,
      valueDim: 16,
      outputProjection: false,
      init: { o: 4 },
    });
    const plain = await tokenCosineExperiment({ ...config, heads: 2, valueDim: 16, outputProjection: false });
    expect(loud.rows.at(-1)!.predicted).not.toBeCloseTo(plain.rows.at(-1)!.predicted, 3);
    expect(loudNoO.rows.at(-1)!.predicted).toBe(plain.rows.at(-1)!.predicted);
    await expect(
      tokenCosineExperiment({ ...config, heads: 2, valueDim: 3, outputProjection: false }),
    ).rejects.toThrow(/outputProjection must be true, or heads·valueDim = dModel/);
  });
});

describe('what the runners find', () => {
  it('depth: with α = 1 the last-layer cosine goes to 1; with α = 1/√L it stays bounded', async () => {
    const r = await depthSweepExperiment({
      dModel: 64,
      n: 16,
      seeds: 2,
      depths: [2, 32],
      norms: ['post'],
      mlp: [false],
    });
    const at = (scale: 1 | 'inv-sqrt-depth', depth: number) =>
      r.summary.find((s) => hasScale(s, scale) && s.depth === depth)!;
    expect(at(1, 32).cosine).toBeGreaterThan(0.95);
    expect(at('inv-sqrt-depth', 32).cosine).toBeLessThan(0.3);
    // Rows carry the residual scale as a number: 1/√L evaluated at each depth.
    expectClose(at('inv-sqrt-depth', 32).residualScale, 1 / Math.sqrt(32), 'float64');
    expectClose(at('inv-sqrt-depth', 2).residualScale, 1 / Math.sqrt(2), 'float64');
    for (const s of r.summary) expect(Math.abs(s.cosine - s.predicted)).toBeLessThan(0.1);
  });

  it('gradients: in a deep Post-LN stack the Q/V ratio falls with depth at α = 1, much less at α = 1/√L', async () => {
    const r = await gradientNormsExperiment({
      dModel: 64,
      n: 16,
      seeds: 2,
      depth: 16,
      norms: ['post'],
      mlp: [false],
    });
    const ratio = (scale: 1 | 'inv-sqrt-depth', layer: number) => {
      const g = (group: string) =>
        r.summary.find((s) => hasScale(s, scale) && s.layer === layer && s.group === group)!.gradient;
      return g('q') / g('v');
    };
    // blocks count from 1: layer 1 is the first block, layer 16 the last
    expect(new Set(r.rows.map((row) => row.layer))).toEqual(
      new Set(Array.from({ length: 16 }, (_, i) => i + 1)),
    );
    expect(ratio(1, 16) / ratio(1, 1)).toBeLessThan(0.1);
    expect(ratio('inv-sqrt-depth', 16) / ratio('inv-sqrt-depth', 1)).toBeGreaterThan(0.3);
    expect(r.rows.every((row) => row.gradient > 0)).toBe(true);
  });

  it('Dong: pure attention collapses to rank one within a few layers; skips prevent it', async () => {
    const r = await dongResidualExperiment({ dModel: 64, n: 16, seeds: 2, depth: 6 });
    const at = (variant: string, layer: number) =>
      r.summary.find((s) => s.variant === variant && s.layer === layer)!.composite;
    expect(at('attention', 0)).toBeGreaterThan(0.5);
    expect(at('attention', 6)).toBeLessThan(1e-4);
    expect(at('attention + MLP', 6)).toBeLessThan(1e-3);
    expect(at('attention + skip', 6)).toBeGreaterThan(0.1);
    expect(at('attention + skip + LN', 6)).toBeGreaterThan(0.05);
  });

  it('collapse: zero Q/K gradients at ε = 0, growing like ε², with V gradients of order one', async () => {
    const r = await collapseExperiment({ eps: [0, 0.01, 0.1], seeds: 1, depth: 3 });
    for (const s of r.summary) {
      expect(s.minV).toBeGreaterThan(1);
      if (s.eps === 0) {
        expect(s.maxQOverV).toBeLessThan(1e-5);
        expect(s.maxKOverV).toBeLessThan(1e-5);
      }
    }
    for (const norm of ['post', 'pre', 'none'] as const) {
      for (const mlp of [false, true]) {
        const at = (eps: number) =>
          r.summary.find((s) => s.norm === norm && s.mlp === mlp && s.eps === eps)!.maxQOverV;
        expect(Math.log10(at(0.1) / at(0.01)), `${norm} ${mlp}`).toBeCloseTo(2, 0);
      }
    }
  });
});
