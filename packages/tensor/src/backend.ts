/** Backend choice: the native TensorFlow binding, then WebAssembly (SIMD), then plain JavaScript. */
import { formatValue, TensorError } from './errors';
import { registerFastGradients } from './matmul';
import { tf } from './tf';

/** A backend trainlab can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
/** What a caller may ask for: a backend by name, or `'auto'` (the fastest that loads). */
export type BackendRequest = 'auto' | BackendName;

/** Order tried by `'auto'`: fastest first. */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const REQUESTS: readonly BackendRequest[] = ['auto', ...BACKEND_PREFERENCE];

/** The environment variable read when no backend is passed. */
export const BACKEND_ENV_VAR = 'TRAINLAB_BACKEND';

/** Makes a backend available to `tf.setBackend` (imports the module that registers it). */
export type BackendLoader = () => Promise<void>;

export interface InitBackendOptions {
  /**
   * Which backend to run. `'auto'` tries `tensorflow` (the optional `@tensorflow/tfjs-node`),
   * then `wasm`, then `cpu`, and reports why each skipped one did not load. A backend asked for by
   * name that cannot load is an error, never a silent fallback.
   * @defaultValue the `TRAINLAB_BACKEND` environment variable, else `'auto'`
   */
  backend?: BackendRequest;
  /**
   * Replaces the loader of a backend. Meant for tests (to simulate a broken native install) and
   * for hosts that load backends their own way.
   * @internal
   */
  loaders?: Partial<Record<BackendName, BackendLoader>>;
  /** The environment to read `TRAINLAB_BACKEND` from. @defaultValue `process.env` */
  env?: Record<string, string | undefined>;
}

/** A backend that `'auto'` skipped, and why. */
export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

/** What `initBackend` chose. */
export interface BackendInfo {
  /** The backend now running. */
  name: BackendName;
  /** What was asked for, and where the request came from. */
  requested: BackendRequest;
  requestSource: 'option' | 'env' | 'default';
  /** Whether WebAssembly SIMD is used (`null` where the question does not apply). */
  simd: boolean | null;
  /** Threads one kernel may use (`null` where the backend does not say). */
  threads: number | null;
  /** Version of `@tensorflow/tfjs-core`. */
  tfjsVersion: string;
  /** Backends tried before this one, with the reason each failed. */
  skipped: SkippedBackend[];
  /** One line saying which backend runs and why, for a program to print. */
  message: string;
}

// A variable, not a literal, so that bundlers never pull the native binding into a browser build.
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

const defaultLoaders: Record<BackendName, BackendLoader> = {
  async tensorflow() {
    const env = globalThis.process?.env;
    // The TensorFlow C library logs CPU-feature banners unless told not to.
    if (env && env.TF_CPP_MIN_LOG_LEVEL === undefined) env.TF_CPP_MIN_LOG_LEVEL = '2';
    // A failed optional install leaves a folder whose import throws (no native binding): that
    // throw is what sends 'auto' on to the next backend.
    await import(/* @vite-ignore */ TFJS_NODE);
  },
  async wasm() {
    await import(/* @vite-ignore */ TFJS_WASM);
  },
  async cpu() {
    // Registered by `@tensorflow/tfjs` itself.
  },
};

let current: BackendInfo | undefined;

/**
 * Chooses and starts the TensorFlow.js backend, registers trainlab's gradients, and silences
 * tfjs's console banners.
 *
 * @example
 * ```ts
 * import { initBackend } from '@trainlab/tensor';
 * const info = await initBackend({ backend: 'auto' });
 * console.log(info.message); // e.g. "backend: wasm (SIMD, 1 thread) — tensorflow skipped: …"
 * ```
 * @throws {TensorError} `E_BACKEND_UNKNOWN` for a name outside `'auto' | 'tensorflow' | 'wasm' | 'cpu'`;
 *   `E_BACKEND_UNAVAILABLE` when a backend asked for by name cannot load.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = options.env ?? globalThis.process?.env ?? {};
  const fromEnv = env[BACKEND_ENV_VAR];
  const requestSource = options.backend !== undefined ? 'option' : fromEnv ? 'env' : 'default';
  const requested = (options.backend ?? (fromEnv || 'auto')) as BackendRequest;
  if (!REQUESTS.includes(requested)) {
    const param = requestSource === 'env' ? `${BACKEND_ENV_VAR} (environment)` : 'backend';
    throw new TensorError(
      'E_BACKEND_UNKNOWN',
      `${param} must be one of ${REQUESTS.map((r) => `'${r}'`).join(', ')}, got ${formatValue(requested)}`,
    );
  }
  // Logging in tfjs is gated on PROD; it changes nothing else.
  tf.env().set('PROD', true);
  registerFastGradients();

  const loaders = { ...defaultLoaders, ...options.loaders };
  const candidates = requested === 'auto' ? BACKEND_PREFERENCE : [requested];
  const skipped: SkippedBackend[] = [];
  for (const name of candidates) {
    try {
      await loaders[name]();
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`tf.setBackend('${name}') returned false (the backend failed to initialize)`);
      await tf.ready();
    } catch (error) {
      const reason = firstLine(error);
      if (requested !== 'auto') {
        throw new TensorError(
          'E_BACKEND_UNAVAILABLE',
          `backend '${name}' was requested (${requestSource}) but cannot load: ${reason}`,
          { cause: error },
        );
      }
      skipped.push({ backend: name, reason });
      continue;
    }
    current = await describe(name, requested, requestSource, skipped);
    return current;
  }
  // Unreachable in practice: the cpu backend ships with tfjs itself.
  throw new TensorError('E_BACKEND_UNAVAILABLE', `no backend could load: ${JSON.stringify(skipped)}`);
}

/** The backend chosen by the last `initBackend` call, or `undefined` before the first. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

async function describe(
  name: BackendName,
  requested: BackendRequest,
  requestSource: BackendInfo['requestSource'],
  skipped: SkippedBackend[],
): Promise<BackendInfo> {
  let simd: boolean | null = null;
  let threads: number | null = null;
  if (name === 'wasm') {
    simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const wasm = (await import(/* @vite-ignore */ TFJS_WASM)) as { getThreadsCount?: () => number };
    threads = wasm.getThreadsCount?.() ?? 1;
  } else if (name === 'cpu') {
    threads = 1;
  }
  const details = [
    simd === null ? null : simd ? 'SIMD' : 'no SIMD',
    threads === null ? null : plural(threads, 'thread'),
  ]
    .filter((d) => d !== null)
    .join(', ');
  const why =
    skipped.length > 0
      ? ` — ${skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join('; ')}`
      : requested === 'auto'
        ? ' — the fastest backend available'
        : ` — requested by ${requestSource === 'env' ? BACKEND_ENV_VAR : 'option'}`;
  return {
    name,
    requested,
    requestSource,
    simd,
    threads,
    tfjsVersion: tf.version_core,
    skipped,
    message: `backend: ${name}${details ? ` (${details})` : ''}, tfjs ${tf.version_core}${why}`,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
