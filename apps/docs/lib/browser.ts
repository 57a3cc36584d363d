/**
 * Starting TensorFlow.js in the page: the browser build of @trainlab/tensor tries WebGL (on a real
 * GPU), then wasm (its .wasm files served by the site under `tfjs/`), then cpu. `?backend=wasm`
 * (or webgl, cpu) in the page's address picks one.
 */
import { type BackendInfo, type BackendRequest, initBackend } from '@trainlab/tensor';

let started: Promise<BackendInfo> | undefined;

/** Starts the backend once per page; `wasmBase` is the URL of the folder holding the .wasm files. */
export function ensureBackend(wasmBase: string): Promise<BackendInfo> {
  if (!started) {
    const asked = new URLSearchParams(globalThis.location?.search ?? '').get('backend');
    const backend = (asked ?? 'auto') as BackendRequest;
    started = initBackend({ backend, wasmPaths: wasmBase });
    started.catch(() => {
      started = undefined;
    });
  }
  return started;
}
