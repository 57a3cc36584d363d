/**
 * Starting TensorFlow.js in the browser: the browser build of @trainlab/tensor tries WebGL (on a
 * real GPU), then wasm (its .wasm files served by the site under `tfjs/`), then cpu.
 * `?backend=wasm` (or webgl, cpu) in the page's address picks one.
 */
import { type BackendInfo, type BackendRequest, initBackend } from '@trainlab/tensor';

let started: Promise<BackendInfo> | undefined;

/** The backend the page's address asks for (`?backend=…`), else `'auto'`. */
export function requestedBackend(): BackendRequest {
  const asked = new URLSearchParams(globalThis.location?.search ?? '').get('backend');
  return (asked ?? 'auto') as BackendRequest;
}

/**
 * Starts the backend once (the explorer's worker calls it with the page's request); `wasmBase` is
 * the URL of the folder holding the .wasm files.
 */
export function ensureBackend(wasmBase: string, backend: BackendRequest): Promise<BackendInfo> {
  if (!started) {
    started = initBackend({ backend, wasmPaths: wasmBase });
    started.catch(() => {
      started = undefined;
    });
  }
  return started;
}
