/** Small plotting helpers for the demos' SVG charts: scales, ticks and contour paths. */
import { contours } from 'd3-contour';

/** A map from data to pixels, with its ticks. */
export interface Scale {
  (v: number): number;
  ticks: number[];
  format: (v: number) => string;
}

/** A linear scale from [d0, d1] to [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number, count = 5): Scale {
  const span = d1 - d0 || 1;
  const f = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as Scale;
  const step = niceStep(span / count);
  const ticks: number[] = [];
  for (let t = Math.ceil(d0 / step) * step; t <= d1 + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  f.ticks = ticks;
  f.format = (v) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0) : String(v));
  return f;
}

/** A log₁₀ scale from [d0, d1] (both > 0) to [r0, r1], ticks at powers of ten. */
export function log10(d0: number, d1: number, r0: number, r1: number): Scale {
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const span = l1 - l0 || 1;
  const f = ((v: number) => r0 + ((Math.log10(Math.max(v, d0)) - l0) / span) * (r1 - r0)) as Scale;
  const every = Math.max(1, Math.ceil((Math.ceil(l1) - Math.floor(l0)) / 6));
  f.ticks = [];
  for (let e = Math.ceil(l0); e <= Math.floor(l1); e += every) f.ticks.push(10 ** e);
  // Less than about a decade: ticks at 1, 2 and 5 times the powers of ten as well, and where even
  // those are too few, round linear ticks.
  let mantissas = false;
  if (f.ticks.length < 2) {
    mantissas = true;
    f.ticks = [];
    for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
      for (const m of [1, 2, 5]) {
        const t = m * 10 ** e;
        if (t >= d0 && t <= d1) f.ticks.push(Number(t.toPrecision(6)));
      }
    }
  }
  if (f.ticks.length < 2) {
    const lin = linear(d0, d1, 0, 1, 3);
    f.ticks = lin.ticks.filter((t) => t > 0);
    f.format = lin.format;
    return f;
  }
  f.format = (v) => {
    const e = Math.floor(Math.log10(v) + 1e-9);
    const m = Math.round(v / 10 ** e);
    return m === 1 || !mantissas ? `1e${e}` : `${m}e${e}`;
  };
  return f;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** The range of finite values, padded so that a flat series still has a height. */
export function extent(values: number[], positive = false): [number, number] {
  const v = values.filter((x) => Number.isFinite(x) && (!positive || x > 0));
  if (v.length === 0) return positive ? [1e-3, 1] : [0, 1];
  let lo = Math.min(...v);
  let hi = Math.max(...v);
  if (lo === hi) {
    lo = positive ? lo / 2 : lo - 0.5;
    hi = positive ? hi * 2 : hi + 0.5;
  }
  return [lo, hi];
}

/** An SVG path through points (gaps at non-finite values). */
export function linePath(points: [number, number][]): string {
  let d = '';
  let pen = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    pen = true;
  }
  return d;
}

/**
 * Contour lines of a `size × size` grid of values (row-major, y rows) over a window, as SVG paths in
 * pixel coordinates. Levels are spaced evenly in log(f − min + 1) so that both the valley floor and
 * the walls of functions like Rosenbrock show.
 */
export function contourPaths(
  values: Float64Array,
  size: number,
  sx: Scale,
  sy: Scale,
  window: [number, number, number, number],
  levels = 14,
): string[] {
  let min = Number.POSITIVE_INFINITY;
  for (const v of values) if (v < min) min = v;
  const t = Array.from(values, (v) => Math.log1p(Math.max(0, v - min)));
  const top = Math.max(...t);
  const thresholds = Array.from({ length: levels }, (_, k) => ((k + 0.5) / levels) * top);
  const [x0, x1, y0, y1] = window;
  const px = (i: number) => sx(x0 + ((x1 - x0) * i) / (size - 1));
  const py = (j: number) => sy(y0 + ((y1 - y0) * j) / (size - 1));
  return contours()
    .size([size, size])
    .thresholds(thresholds)(t)
    .map((geometry) =>
      geometry.coordinates
        .flatMap((polygon) =>
          polygon.map(
            (ring) =>
              `M${ring.map(([i = 0, j = 0]) => `${px(i - 0.5).toFixed(1)},${py(j - 0.5).toFixed(1)}`).join('L')}Z`,
          ),
        )
        .join(''),
    );
}

/** Values of `f` on a `size × size` grid over a window [xmin, xmax, ymin, ymax] (row-major, y rows), for contours. */
export function sampleGrid(
  window: [number, number, number, number],
  size: number,
  f: (x: number, y: number) => number,
): Float64Array {
  const [x0, x1, y0, y1] = window;
  const out = new Float64Array(size * size);
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      out[j * size + i] = f(x0 + ((x1 - x0) * i) / (size - 1), y0 + ((y1 - y0) * j) / (size - 1));
    }
  }
  return out;
}
