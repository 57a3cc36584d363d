import { initBackend } from '@trainlab/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelExperiment, predictPropagation } from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('kernel experiment (finite width against the infinite-width kernel)', () => {
  it('approaches the uniform- and identity-attention kernels like 1/√d at every layer, Post-LN and Pre-LN', async () => {
    const config = { widths: [16, 64, 256], depth: 3, n: 6, seeds: 6, rho0: 0.3 };
    const r = await kernelExperiment(config);
    for (const [attention, norm] of [
      ['uniform', 'post'],
      ['uniform', 'pre'],
      ['identity', 'post'],
      ['identity', 'pre'],
    ] as const) {
      const theory = predictPropagation(
        { dModel: 256, depth: 3, heads: 1, norm, mlp: true, attention, finalNorm: false },
        { n: 6, rho0: 0.3 },
      );
      for (let layer = 0; layer <= 3; layer++) {
        const at = (width: number) =>
          r.summary.find(
            (s) => s.attention === attention && s.norm === norm && s.layer === layer && s.width === width,
          )!;
        expect(at(256).rhoTheory).toBeCloseTo(theory[layer]!.rho, 12);
        // 16× the width: the error falls ~4× (1/√d); at least 2× at every layer
        expect(at(256).error).toBeLessThan(0.5 * at(16).error);
        expect(Math.abs(at(256).rho - at(256).rhoTheory)).toBeLessThan(0.05);
        expect(at(16).slope).toBeGreaterThan(-1.5);
        expect(at(16).slope).toBeLessThan(-0.25);
      }
    }
    // one row per (attention, norm, width, seed, layer), layer 0 = the input
    expect(r.rows).toHaveLength(2 * 2 * 3 * 6 * 4);
    // identity attention keeps the tokens apart (ρ stays near the input's), uniform attention aligns them
    const lastRho = (attention: string) =>
      r.summary.find(
        (s) => s.attention === attention && s.norm === 'post' && s.layer === 3 && s.width === 256,
      )!.rho;
    expect(lastRho('identity')).toBeLessThan(lastRho('uniform'));
    expect(r.rows.filter((x) => x.layer === 0).every((x) => x.qTheory === 1)).toBe(true);
  }, 60_000);
});
