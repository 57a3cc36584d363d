/**
 * How much memory running a model takes, before anything runs: so that a size no engine can hold
 * is refused with a message instead of aborting the engine half-way (one wasm instance holds at
 * most 4 GiB however much RAM the machine has).
 *
 * The counts are exact (parameters, activation sizes); the multipliers were measured on the wasm
 * backend (tfjs 4.22): the heap's size after forward passes, gradient computations and training
 * steps of 23 shapes (d = 64–1024, n = 16–2048, 2–8 blocks, batch 1–32, with and without MLP,
 * Adam and SGD), fitted by non-negative least squares; measured/estimated stayed within 0.7–1.3
 * (training within 0.9–1.1). `bench/memory.bench.ts` measures six other shapes against it (0.88–1.15
 * on our machine). An estimate for refusing the impossible, not an allocator.
 */
import { resolveConfig, type TransformerConfig } from './config';
import { invalid } from './errors';

/** What runs: a forward pass, a forward pass and gradients, or training steps (gradients plus optimizer state). */
export type MemoryMode = 'forward' | 'backward' | 'train';

/** Options of {@link estimateMemory}. */
export interface MemoryOptions {
  /** Tokens per sequence n. */
  tokens: number;
  /** Sequences per pass. @defaultValue 1 */
  batch?: number;
  /** @defaultValue 'forward' */
  mode?: MemoryMode;
  /** Optimizer state tensors per weight in `'train'` mode (Adam: 2, SGD with momentum: 1). @defaultValue 2 */
  optimizerSlots?: number;
}

/** What {@link estimateMemory} says of a model at a size. */
export interface MemoryEstimate {
  /** Trainable parameters (exact). */
  parameters: number;
  /** Bytes of the weights (float32). */
  weightBytes: number;
  /** Bytes of the activations and temporaries the mode keeps alive at its peak (estimate). */
  activationBytes: number;
  /** The peak bytes of the engine's memory (estimate): what must fit under the backend's limit. */
  bytes: number;
}

const FLOAT = 4;

/** Trainable parameters of a model (exact, without building it). */
export function parameterCount(config: TransformerConfig): number {
  const c = resolveConfig(config);
  const d = c.dModel;
  const inner = c.heads * c.headDim;
  const values = c.heads * c.valueDim;
  const ln = c.normAffine ? 2 * d : 0;
  let block = 2 * d * inner + d * values + (c.outputProjection ? values * d : 0);
  if (c.norm !== 'none') block += ln;
  if (c.mlp) block += 2 * d * c.mlp.hidden + c.mlp.hidden + d + (c.norm !== 'none' ? ln : 0);
  let total = c.depth * block;
  if (c.vocabSize !== null) total += c.vocabSize * d;
  if (c.positional === 'learned' && c.maxLength !== null) total += c.maxLength * d;
  if (c.finalNorm) total += ln;
  if (c.outputs !== null) total += d * c.outputs + c.outputs;
  return total;
}

/**
 * Estimates the peak memory of running `config` on `batch` sequences of `tokens` tokens.
 *
 * @example
 * ```ts
 * const m = estimateMemory({ dModel: 1024, depth: 48, heads: 4 }, { tokens: 256 });
 * m.bytes > 4 * 2 ** 30; // true: too big for one wasm instance
 * ```
 * @throws {AttentionError} for a bad config or options.
 */
export function estimateMemory(config: TransformerConfig, options: MemoryOptions): MemoryEstimate {
  const c = resolveConfig(config);
  const n = options.tokens;
  const batch = options.batch ?? 1;
  const mode = options.mode ?? 'forward';
  const slots = options.optimizerSlots ?? 2;
  if (!Number.isInteger(n) || n < 1) throw invalid('options.tokens', 'an integer ≥ 1', n);
  if (!Number.isInteger(batch) || batch < 1) throw invalid('options.batch', 'an integer ≥ 1', batch);
  if (mode !== 'forward' && mode !== 'backward' && mode !== 'train')
    throw invalid('options.mode', "'forward', 'backward' or 'train'", mode);
  if (!Number.isInteger(slots) || slots < 0) throw invalid('options.optimizerSlots', 'an integer ≥ 0', slots);
  const parameters = parameterCount(config);
  const weightBytes = FLOAT * parameters;
  const hidden = c.mlp ? c.mlp.hidden : 0;
  // Activation sizes of one block, in floats, over the batch.
  const nd = batch * n * Math.max(c.dModel, c.heads * c.headDim, c.heads * c.valueDim);
  const nh = batch * n * hidden;
  const maps = batch * c.heads * n * n;
  const L = c.depth;
  let weightsFactor: number;
  let activations: number;
  if (mode === 'forward') {
    // Intermediates are freed block by block; what each block keeps (its output) adds up.
    weightsFactor = 2.5;
    activations = 6.8 * L * nd + 18.6 * nh + 7 * maps;
  } else {
    // Everything the backward pass needs is kept for every block until it runs.
    weightsFactor = 4.2 + (mode === 'train' ? slots + 1 : 0);
    activations = L * (64 * nd + 13.1 * nh + 13.5 * maps);
    if (c.outputs !== null) activations += 4 * batch * n * c.outputs;
  }
  const activationBytes = FLOAT * activations;
  return { parameters, weightBytes, activationBytes, bytes: weightsFactor * weightBytes + activationBytes };
}
