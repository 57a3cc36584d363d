/**
 * The browser's backends: WebGL on a real GPU, then WebAssembly (SIMD; threads where the page is
 * cross-origin isolated), then plain JavaScript. Built in place of `platform.ts` for the package's
 * `browser` export condition, so browser bundles never reference `@tensorflow/tfjs-node`.
 */
import type { Platform } from './backend';

/** Software rasterizers: WebGL runs there, but no faster than the cpu backend. */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render/i;

// The few DOM types used here, so that the package compiles without the DOM library.
interface GL {
  RENDERER: number;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL?: number; loseContext?: () => void } | null;
  getParameter(name: number): unknown;
}
interface Canvas {
  getContext(kind: string): GL | null;
}
interface Doc {
  createElement(tag: 'canvas'): Canvas;
}

/** The WebGL renderer's name, `null` without WebGL (or a canvas), `''` when the browser hides it. */
function webglRenderer(): string | null {
  const g = globalThis as { document?: Doc; OffscreenCanvas?: new (w: number, h: number) => Canvas };
  // A page has a document; a worker may have OffscreenCanvas, which tfjs's WebGL backend uses there.
  const canvas = g.document
    ? g.document.createElement('canvas')
    : g.OffscreenCanvas
      ? new g.OffscreenCanvas(1, 1)
      : null;
  if (canvas === null) return null;
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return null;
  const unmasked = gl.getExtension('WEBGL_debug_renderer_info')?.UNMASKED_RENDERER_WEBGL;
  const renderer = String(gl.getParameter(unmasked ?? gl.RENDERER) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext?.();
  return renderer;
}

export const platform: Platform = {
  name: 'browser',
  preference: ['webgl', 'wasm', 'cpu'],
  loaders: {
    async webgl() {
      // Registered by `@tensorflow/tfjs` itself; fails in `tf.setBackend` without WebGL.
    },
    async wasm(options) {
      const module = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths !== undefined) module.setWasmPaths(options.wasmPaths);
    },
    async cpu() {
      // Registered by `@tensorflow/tfjs` itself.
    },
  },
  autoSkip(name) {
    if (name !== 'webgl') return undefined;
    const renderer = webglRenderer();
    if (renderer === null) return 'no WebGL in this browser';
    if (SOFTWARE_GL.test(renderer)) return `WebGL runs in software (${renderer}), slower than wasm`;
    return undefined;
  },
  wasmModule: () => import('@tensorflow/tfjs-backend-wasm'),
};
