import { describe, expect, it } from 'vitest';
import { contourPaths, extent, linear, linePath, log10, sampleGrid } from '../lib/plot';

describe('plot helpers', () => {
  it('linear and log scales map the domain onto the range, with round ticks inside it', () => {
    const x = linear(-2, 3, 0, 500);
    expect([x(-2), x(0.5), x(3)]).toEqual([0, 250, 500]);
    expect(x.ticks).toEqual([-2, -1, 0, 1, 2, 3]);
    const y = log10(1e-3, 10, 200, 0);
    expect(y(1e-3)).toBe(200);
    expect(y(10)).toBeCloseTo(0, 12);
    expect(y.ticks).toEqual([1e-3, 1e-2, 1e-1, 1, 10]);
    expect(y.format(0.01)).toBe('1e-2');
    // Within a decade, 2× and 5× ticks keep the axis readable.
    const z = log10(3, 40, 100, 0);
    expect(z.ticks).toEqual([5, 10, 20]);
    expect(z.ticks.map(z.format)).toEqual(['5e0', '1e1', '2e1']);
    // Within a factor of two: round linear ticks.
    const w = log10(3.1, 4.6, 100, 0);
    expect(w.ticks).toEqual([3.5, 4, 4.5]);
    expect(w.ticks.map(w.format)).toEqual(['3.5', '4', '4.5']);
  });

  it('extent pads a flat series and ignores non-finite (and, on a log axis, non-positive) values', () => {
    expect(extent([2, 2, Number.NaN])).toEqual([1.5, 2.5]);
    expect(extent([0, -1, 4, 16], true)).toEqual([4, 16]);
    expect(extent([])).toEqual([0, 1]);
  });

  it('linePath breaks the line at non-finite points', () => {
    expect(
      linePath([
        [0, 0],
        [1, 1],
        [Number.NaN, 2],
        [3, 3],
        [4, 4],
      ]),
    ).toBe('M0.0,0.0L1.0,1.0M3.0,3.0L4.0,4.0');
  });

  it('contours of a round bowl are circles centred on its minimum', () => {
    const window: [number, number, number, number] = [-1, 1, -1, 1];
    const size = 41;
    const values = sampleGrid(window, size, (x, y) => x * x + y * y);
    expect(values[20 * size + 20]).toBe(0);
    const sx = linear(-1, 1, 0, 400);
    const sy = linear(-1, 1, 400, 0);
    const paths = contourPaths(values, size, sx, sy, window, 6);
    expect(paths).toHaveLength(6);
    // d3 draws the region f ≥ level, so each path is the window's frame plus the level set; away
    // from the frame, the lowest level's vertices all lie at one distance from the centre (200, 200).
    const points = [...paths[0]!.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)]
      .map((m) => [Number(m[1]), Number(m[2])])
      .filter(([px, py]) => Math.abs(px! - 200) < 190 && Math.abs(py! - 200) < 190);
    expect(points.length).toBeGreaterThan(8);
    const radii = points.map(([px, py]) => Math.hypot(px! - 200, py! - 200));
    expect(Math.max(...radii) - Math.min(...radii)).toBeLessThan(400 / (size - 1));
    expect(Math.min(...radii)).toBeGreaterThan(0);
  });
});
