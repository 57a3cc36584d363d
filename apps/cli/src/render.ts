/**
 * Figures: the runners' Vega-Lite specs compiled by vega-lite, drawn to SVG by vega (no browser:
 * renderer 'none'), and rasterized to PNG by resvg with the DejaVu fonts shipped as an npm package
 * (resvg silently drops all text when it finds no font, so they are passed explicitly).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
export const FONT_FILES = [join(FONT_DIR, 'DejaVuSans.ttf'), join(FONT_DIR, 'DejaVuSans-Bold.ttf')];
export const FONT_FAMILY = 'DejaVu Sans';

/** Looks that every figure shares: the font resvg has, readable sizes, a white background. */
const CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 12,
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#444', anchor: 'start', offset: 12 },
  axis: { labelFontSize: 12, titleFontSize: 12, grid: true, gridOpacity: 0.4 },
  // Legends sit under the plot, so the plot takes the figure's width.
  legend: {
    labelFontSize: 12,
    titleFontSize: 12,
    labelLimit: 280,
    orient: 'bottom',
    direction: 'horizontal',
    columns: 4,
    columnPadding: 16,
  },
  header: { labelFontSize: 12, titleFontSize: 12 },
  line: { strokeWidth: 2 },
  point: { size: 30 },
};

/** Vega-Lite spec → SVG text. */
export async function toSvg(spec: Record<string, unknown>): Promise<string> {
  const withConfig = { ...spec, config: { ...CONFIG, ...((spec.config as object | undefined) ?? {}) } };
  const compiled = vl.compile(withConfig as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG text → PNG bytes at `scale`× (2 for sharp figures in reports). */
export function toPng(
  svg: string,
  scale = 2,
): { png: Buffer; width: number; height: number; pixels: Buffer } {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: {
      fontFiles: FONT_FILES,
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height, pixels: image.pixels };
}

/** Writes `<base>.vl.json`, `<base>.svg` and `<base>.png`; returns the paths. */
export async function writeFigure(
  spec: Record<string, unknown>,
  base: string,
): Promise<{ spec: string; svg: string; png: string }> {
  const svg = await toSvg(spec);
  const { png } = toPng(svg);
  const paths = { spec: `${base}.vl.json`, svg: `${base}.svg`, png: `${base}.png` };
  writeFileSync(paths.spec, `${JSON.stringify(spec, null, 2)}\n`);
  writeFileSync(paths.svg, svg);
  writeFileSync(paths.png, png);
  return paths;
}

/**
 * The share of a rendered figure left blank: the image is cut into a 10 × 10 grid and a tile counts
 * as blank when every pixel in it is (near) white. A figure a reader takes in at a glance keeps
 * this small (tests hold every figure of `reproduce` to ≤ 0.15).
 */
export function blankFraction(pixels: Uint8Array, width: number, height: number, grid = 10): number {
  let blank = 0;
  for (let ty = 0; ty < grid; ty++) {
    for (let tx = 0; tx < grid; tx++) {
      const x0 = Math.floor((tx * width) / grid);
      const x1 = Math.floor(((tx + 1) * width) / grid);
      const y0 = Math.floor((ty * height) / grid);
      const y1 = Math.floor(((ty + 1) * height) / grid);
      let ink = false;
      for (let y = y0; y < y1 && !ink; y++) {
        for (let x = x0; x < x1; x++) {
          const i = 4 * (y * width + x);
          if (pixels[i]! < 245 || pixels[i + 1]! < 245 || pixels[i + 2]! < 245) {
            ink = true;
            break;
          }
        }
      }
      if (!ink) blank++;
    }
  }
  return blank / (grid * grid);
}
