/**
 * Benchmark helpers (import from `@trainlab/tensor/bench`), shared by the benchmarks of every
 * trainlab package: median timing, the machine's peak for "fraction of peak", and JSON results.
 *
 * @module @trainlab/tensor/bench
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The machine's single-precision peak used for "fraction of peak": by default the sgemm rate
 * PyTorch 1.13 reaches with AVX-512 kernels on both cores of our CI machines (~480 GFLOP/s, see
 * the developers' guide); set TRAINLAB_PEAK_GFLOPS for another machine.
 */
export const PEAK_GFLOPS = Number(process.env.TRAINLAB_PEAK_GFLOPS ?? 480);

/** Median milliseconds of `fn` after one warm-up call, repeated until `minMs` has passed (at least `minReps`). */
export async function timeMs(fn: () => Promise<void> | void, minMs = 300, minReps = 3): Promise<number> {
  await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minReps || performance.now() - start < minMs) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
    if (samples.length >= 200) break;
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Writes `data` as JSON to `<dir>/bench-results/<name>.json` and returns the path. */
export function writeResults(dir: string, name: string, data: unknown): string {
  const file = resolve(dir, 'bench-results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** A number right-aligned in 7 columns. */
export function fmt(x: number, digits = 1): string {
  return x.toFixed(digits).padStart(7);
}
