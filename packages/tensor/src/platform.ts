/**
 * Node's backends: the native TensorFlow binding (optional dependency), then WebAssembly, then
 * plain JavaScript. The browser build replaces this module with `platform.browser.ts`.
 */
import type { BackendLoader, Platform } from './backend';

// Variables, not literals: a bundler that ignores the `browser` condition still never pulls the
// native binding (or a second copy of the wasm backend) into its bundle.
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

interface WasmModule {
  setWasmPaths(prefixOrFileMap: string | Record<string, string>): void;
  getThreadsCount?: () => number;
}

const wasm: BackendLoader = async (options) => {
  const module = (await import(/* @vite-ignore */ TFJS_WASM)) as WasmModule;
  if (options.wasmPaths !== undefined) module.setWasmPaths(options.wasmPaths);
};

export const platform: Platform = {
  name: 'node',
  preference: ['tensorflow', 'wasm', 'cpu'],
  loaders: {
    async tensorflow() {
      const env = globalThis.process?.env;
      // The TensorFlow C library logs CPU-feature banners unless told not to.
      if (env && env.TF_CPP_MIN_LOG_LEVEL === undefined) env.TF_CPP_MIN_LOG_LEVEL = '2';
      // A failed optional install leaves a folder whose import throws (no native binding): that
      // throw is what sends 'auto' on to the next backend.
      await import(/* @vite-ignore */ TFJS_NODE);
    },
    wasm,
    async cpu() {
      // Registered by `@tensorflow/tfjs` itself.
    },
  },
  wasmModule: async () => (await import(/* @vite-ignore */ TFJS_WASM)) as WasmModule,
};
