import { afterEach, describe, expect, it } from 'vitest';
import { platform as node } from '../src/platform';
import { platform as browser } from '../src/platform.browser';

/** A fake `document` whose canvas reports the given WebGL renderer (or has no WebGL). */
function fakeDocument(renderer: string | null) {
  const gl = {
    RENDERER: 1,
    getExtension: (name: string) =>
      name === 'WEBGL_debug_renderer_info' ? { UNMASKED_RENDERER_WEBGL: 2 } : { loseContext() {} },
    getParameter: (p: number) => (p === 2 ? renderer : 'WebKit WebGL'),
  };
  return { createElement: () => ({ getContext: () => (renderer === null ? null : gl) }) };
}

const g = globalThis as { document?: unknown };
afterEach(() => {
  delete g.document;
});

describe('backend order per platform', () => {
  it('Node tries the native binding first; the browser tries WebGL first; both end on wasm, cpu', () => {
    expect(node.preference).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(browser.preference).toEqual(['webgl', 'wasm', 'cpu']);
    expect(Object.keys(node.loaders)).not.toContain('webgl');
    expect(Object.keys(browser.loaders)).not.toContain('tensorflow');
  });

  it("the browser's 'auto' passes over software WebGL and missing WebGL, and keeps a real GPU", () => {
    g.document = fakeDocument(
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)',
    );
    expect(browser.autoSkip?.('webgl')).toMatch(
      /^WebGL runs in software \(ANGLE .*SwiftShader.*\), slower than wasm$/,
    );
    g.document = fakeDocument('llvmpipe (LLVM 15.0.6, 256 bits)');
    expect(browser.autoSkip?.('webgl')).toMatch(/software/);
    g.document = fakeDocument(null);
    expect(browser.autoSkip?.('webgl')).toBe('no WebGL in this browser');
    g.document = fakeDocument('ANGLE (NVIDIA, NVIDIA GeForce RTX 4090 Direct3D11 vs_5_0 ps_5_0)');
    expect(browser.autoSkip?.('webgl')).toBeUndefined();
    expect(browser.autoSkip?.('wasm')).toBeUndefined();
  });

  it('in a worker it asks an OffscreenCanvas; with neither canvas it reports no WebGL', () => {
    expect(browser.autoSkip?.('webgl')).toBe('no WebGL in this browser');
    const canvas = fakeDocument('Google SwiftShader').createElement();
    (g as { OffscreenCanvas?: unknown }).OffscreenCanvas = class {
      getContext = canvas.getContext;
    };
    try {
      expect(browser.autoSkip?.('webgl')).toBe(
        'WebGL runs in software (Google SwiftShader), slower than wasm',
      );
    } finally {
      delete (g as { OffscreenCanvas?: unknown }).OffscreenCanvas;
    }
  });
});
