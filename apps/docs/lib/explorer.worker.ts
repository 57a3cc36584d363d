/**
 * The rank-collapse explorer's computation on a worker thread, so that the page stays responsive
 * while a deep model runs (TensorFlow.js, its wasm backend and the model live in the worker).
 */
import type { BackendRequest } from '@trainlab/tensor';
import { ensureBackend } from './browser';
import { type ExplorerResult, type ExplorerSettings, runExplorer } from './rankCollapse';

/** A request from the page. */
export interface ExplorerRequest {
  id: number;
  settings: ExplorerSettings;
  wasmBase: string;
  backend: BackendRequest;
}

/** The worker's answer: a result with the backend's message, or the error's message. */
export type ExplorerReply =
  | { id: number; result: ExplorerResult; backend: string }
  | { id: number; error: string };

const scope = globalThis as unknown as {
  onmessage: ((e: { data: ExplorerRequest }) => void) | null;
  postMessage(reply: ExplorerReply): void;
};

scope.onmessage = async ({ data }) => {
  try {
    const info = await ensureBackend(data.wasmBase, data.backend);
    scope.postMessage({ id: data.id, result: runExplorer(data.settings), backend: info.message });
  } catch (e) {
    scope.postMessage({ id: data.id, error: e instanceof Error ? e.message : String(e) });
  }
};
