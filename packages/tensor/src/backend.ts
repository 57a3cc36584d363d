/**
 * Backend choice. In Node: the native TensorFlow binding, then WebAssembly (SIMD), then plain
 * JavaScript. In a browser: WebGL (on a real GPU), then WebAssembly, then plain JavaScript. Which
 * list applies is decided at build time: the package's `browser` export condition points at a
 * bundle built with `./platform.browser` in place of `./platform`, so a browser bundle never
 * contains the native binding.
 */
import { formatValue, TensorError } from './errors';
import { registerFastGradients } from './matmul';
import { platform } from './platform';
import { tf } from './tf';

/** A backend trainlab can run on (`tensorflow` only in Node, `webgl` only in a browser). */
export type BackendName = 'tensorflow' | 'webgl' | 'wasm' | 'cpu';
/** What a caller may ask for: a backend by name, or `'auto'` (the fastest that loads). */
export type BackendRequest = 'auto' | BackendName;

/**
 * Order tried by `'auto'` on this platform, fastest first: in Node `tensorflow, wasm, cpu`, in a
 * browser `webgl, wasm, cpu`.
 */
export const BACKEND_PREFERENCE: readonly BackendName[] = platform.preference;

const REQUESTS: readonly BackendRequest[] = ['auto', ...BACKEND_PREFERENCE];

/** The environment variable read when no backend is passed (Node only). */
export const BACKEND_ENV_VAR = 'TRAINLAB_BACKEND';

/**
 * Makes a backend available to `tf.setBackend` (imports the module that registers it).
 * It receives the options given to {@link initBackend}.
 */
export type BackendLoader = (options: InitBackendOptions) => Promise<void>;

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Which backend to run. `'auto'` tries the platform's backends fastest first
   * ({@link BACKEND_PREFERENCE}) and reports why each skipped one did not load. A backend asked for
   * by name that cannot load is an error, never a silent fallback.
   * @defaultValue the `TRAINLAB_BACKEND` environment variable, else `'auto'`
   */
  backend?: BackendRequest;
  /**
   * Where the wasm backend finds its `.wasm` files: a folder URL ending in `/`, or a map from file
   * name to URL (passed to `setWasmPaths` of `@tensorflow/tfjs-backend-wasm`). Needed in a browser
   * whenever the bundler does not serve the files next to the script.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Replaces the loader of a backend. Meant for tests (to simulate a broken native install) and
   * for hosts that load backends their own way.
   * @internal
   */
  loaders?: Partial<Record<BackendName, BackendLoader>>;
  /** The environment to read `TRAINLAB_BACKEND` from. @defaultValue `process.env` (none in a browser) */
  env?: Record<string, string | undefined>;
}

/** A backend that `'auto'` skipped, and why. */
export interface SkippedBackend {
  /** The backend skipped. */
  backend: BackendName;
  /** Why it was skipped: the first line of its load error, or the reason `'auto'` passed it over. */
  reason: string;
}

/** What `initBackend` chose. */
export interface BackendInfo {
  /** The backend now running. */
  name: BackendName;
  /** What was asked for. */
  requested: BackendRequest;
  /** Where the request came from: the `backend` option, the environment, or the default `'auto'`. */
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

/** What differs between Node and the browser: the order `'auto'` tries and how each backend loads. */
export interface Platform {
  /** `'node'` or `'browser'`. */
  name: 'node' | 'browser';
  /** Backends in the order `'auto'` tries them. */
  preference: readonly BackendName[];
  /** How each backend of `preference` is made available. */
  loaders: Partial<Record<BackendName, BackendLoader>>;
  /** Why `'auto'` should pass over a backend that would load (a software WebGL, say), or `undefined`. */
  autoSkip?: (name: BackendName) => string | undefined;
  /** The wasm backend module, for its thread count. */
  wasmModule: () => Promise<{ getThreadsCount?: () => number }>;
}

let current: BackendInfo | undefined;

/**
 * Chooses and starts the TensorFlow.js backend (see {@link BACKEND_PREFERENCE}), registers
 * trainlab's gradients, and silences tfjs's console banners.
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

  const loaders = { ...platform.loaders, ...options.loaders };
  const candidates = requested === 'auto' ? BACKEND_PREFERENCE : [requested];
  const skipped: SkippedBackend[] = [];
  for (const name of candidates) {
    const passOver = requested === 'auto' ? platform.autoSkip?.(name) : undefined;
    if (passOver !== undefined) {
      skipped.push({ backend: name, reason: passOver });
      continue;
    }
    try {
      const load = loaders[name];
      if (!load)
        throw new Error(
          `the ${name} backend does not run in ${platform.name === 'node' ? 'Node' : 'a browser'}`,
        );
      await load(options);
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`tf.setBackend('${name}') returned false (the backend failed to initialize)`);
      await tf.ready();
    } catch (error) {
      const reason = loadFailureReason(error);
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
    const wasm = await platform.wasmModule();
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

/**
 * Why a backend did not load, in one readable line: the first line of its error with installation
 * paths shortened to the part that names the package (`…/@tensorflow/tfjs-node/lib/…/x.node`), so
 * that the explanation survives, and the usual tfjs-node failure said in plain words.
 */
export function loadFailureReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/tfjs_binding\.node/.test(text) && /can ?not be found/i.test(text)) {
    return "its native addon (tfjs_binding.node) is not installed: tfjs-node's install script downloads libtensorflow and could not (no internet access?); reinstalling tfjs-node where it can reach the internet fixes that";
  }
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  const short = line
    .replace(
      /(?:[A-Za-z]:)?[^\s'"]*[\\/]node_modules[\\/](?:\.pnpm[\\/][^\\/\s]+[\\/]node_modules[\\/])?/g,
      '…/',
    )
    .trim();
  return short.length > 300 ? `${short.slice(0, 300)}…` : short;
}

/** The most one wasm backend instance can hold: wasm32's 4 GiB address space, less one 64 KiB page. */
export const WASM_HEAP_LIMIT_BYTES = 4294901760;

/** How much memory one TensorFlow.js instance on a backend can hold, and why. */
export interface MemoryLimit {
  /** Bytes; `Infinity` where trainlab cannot tell (a browser's GPU). */
  bytes: number;
  /** What sets the limit, in words (for error messages). */
  reason: string;
}

/**
 * The memory one TensorFlow.js instance can use on `backend`: the wasm heap's 4 GiB (however much
 * RAM the machine has), or `totalMemoryBytes` (the machine's RAM, for tensors held in JavaScript or
 * native buffers) on the cpu and tensorflow backends; webgl's GPU memory is not known (Infinity).
 */
export function memoryLimit(backend: BackendName, totalMemoryBytes?: number): MemoryLimit {
  if (backend === 'wasm') {
    return {
      bytes: WASM_HEAP_LIMIT_BYTES,
      reason: 'the 4 GiB one wasm backend instance can hold (however much RAM the machine has)',
    };
  }
  if (backend === 'webgl' || totalMemoryBytes === undefined) {
    return { bytes: Number.POSITIVE_INFINITY, reason: `the memory of the ${backend} backend (not known)` };
  }
  return {
    bytes: totalMemoryBytes,
    reason: `this machine's ${(totalMemoryBytes / 2 ** 30).toFixed(0)} GiB of RAM (where the ${backend} backend holds its tensors)`,
  };
}

/**
 * Whether `error` is a fatal failure of the engine itself, after which its TensorFlow.js instance
 * cannot be trusted (the wasm heap aborted, ran out of bounds, or XNNPACK failed to allocate):
 * the reason in words, or `undefined` for an ordinary error. A program that sees one should replace
 * the thread (or process) that holds the instance: later operations on it fail or corrupt results.
 */
export function engineFailure(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  // WebAssembly.RuntimeError (no WebAssembly types in this package's lib): traps of the wasm engine.
  const wasmRuntime = error instanceof Error && error.constructor.name === 'RuntimeError';
  if (/XNN status|Aborted\(|out of memory|OOM/i.test(message)) {
    return `the engine ran out of memory (${message.split('\n')[0]!.slice(0, 120)})`;
  }
  if (/memory access out of bounds/.test(message)) {
    return 'the engine ran out of memory (wasm: memory access out of bounds, its heap is broken)';
  }
  if (wasmRuntime) return `the wasm engine failed (${message.split('\n')[0]!.slice(0, 120)})`;
  return undefined;
}
