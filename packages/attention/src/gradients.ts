/**
 * Per-parameter gradients of a scalar loss, by name.
 *
 * The losses the paper's measurements need are built in: the mean squared output (or error to a
 * target), cross-entropy on the head's logits, and a random linear probe ⟨G, Y⟩ with Gaussian G
 * (a loss whose output gradient G is independent of the weights, as the theory assumes). Any
 * other scalar function of the output works too.
 */
import { Rng, type Seed, type Tensor, tf } from '@trainlab/tensor';
import { AttentionError, invalid, shapeError } from './errors';
import { crossEntropy } from './layers';
import {
  type BlockTaps,
  type ForwardOptions,
  type ModelInput,
  TAP_NAMES,
  type TapName,
  type TapOptions,
  type TapPlan,
  type Transformer,
  tapPlan,
} from './model';
import type { Parameter, ParamGroup } from './params';

/** A loss on the model's output. */
export type LossSpec =
  /** mean((Y − target)²) over every entry, or mean(Y²) without a target. */
  | { kind: 'mse'; target?: Tensor | number[][] | number[][][] }
  /**
   * Mean cross-entropy of the head's logits `[batch, n, classes]` against integer `targets`
   * `[batch, n]` (or `[n]`); a target of −1 is ignored.
   */
  | { kind: 'cross-entropy'; targets: Tensor | number[] | number[][] }
  /** ⟨G, Y⟩ = Σ G⊙Y with G ~ N(0, 1) entrywise, drawn from `seed` (default 0), so that ∂L/∂Y = G. */
  | { kind: 'probe'; seed?: Seed }
  /** Any scalar function of the output (shaped as `forward` returns it). */
  | ((output: Tensor) => Tensor);

/** Options of `gradients` and `gradientNorms`. */
export interface GradientOptions {
  /** Key-padding mask, as for `forward`. */
  mask?: ForwardOptions['mask'];
  /** Only these parameters: names (`blocks.0.attn.wq`) or groups (`'q'`, `'mlp'`, …). @defaultValue all */
  params?: readonly (string | ParamGroup)[];
  /**
   * Gradient taps: ∂loss/∂(a sub-layer's output) per block, for the forward taps `input`, `attnIn`,
   * `attn`, `mid`, `mlp` and `output` (not `maps`), so you see where the gradient signal dies.
   * `true` for all of them in every block. @defaultValue none
   */
  taps?: boolean | TapOptions;
}

/** One block's gradient taps: ∂loss/∂(tensor) for each tap asked for, shaped like the input. */
export type GradientTaps = Omit<BlockTaps, 'maps'>;

/** The tap names that have gradient taps (every forward tap but the attention maps). */
export const GRADIENT_TAP_NAMES = TAP_NAMES.filter((t) => t !== 'maps');

/** Gradients by parameter name; the caller owns the tensors (`dispose()` frees them). */
export interface GradientResult {
  /** The loss value. */
  loss: number;
  /** ∂loss/∂parameter, shaped like the parameter (zeros where the loss does not depend on it). */
  grads: Record<string, Tensor>;
  /** Frobenius norm of each gradient. */
  norms: Record<string, number>;
  /** ∂loss/∂(tap) per recorded block (empty without `options.taps`). */
  taps: GradientTaps[];
  /** ‖∂loss/∂(tap)‖_F per recorded block and tap, in block order (empty without `options.taps`). */
  tapNorms: { layer: number; tap: TapName; norm: number }[];
  dispose(): void;
}

const GROUPS: readonly ParamGroup[] = ['q', 'k', 'v', 'o', 'mlp', 'ln', 'embed', 'head'];

/**
 * ∂loss/∂θ for every parameter θ of `model` (or those in `options.params`) at `input`.
 *
 * @example
 * ```ts
 * const g = gradients(model, x, { kind: 'probe', seed: 1 });
 * console.log(g.norms['blocks.0.attn.wq'], g.norms['blocks.0.attn.wv']);
 * g.dispose();
 * ```
 * @throws {AttentionError} for a bad loss, target or parameter selection (before any work).
 */
export function gradients(
  model: Transformer,
  input: ModelInput,
  loss: LossSpec,
  options: GradientOptions = {},
): GradientResult {
  const selected = selectParams(model, options.params);
  const plan = gradientTapPlan(options.taps, model.config.depth);
  const { x, mask, batched } = model.prepareInput(input, options.mask);
  let lossFn: ((y: Tensor) => Tensor) | undefined;
  // One zero variable per (block, tap): ∂loss/∂probe is the gradient at that point.
  const probes = new Map<string, tf.Variable>();
  const tapLayers = plan ? [...plan.layers].sort((i, j) => i - j) : [];
  try {
    if (plan) {
      const width = model.config.dModel;
      const [b, n] = x.shape as [number, number];
      for (const l of tapLayers) {
        for (const name of plan.include) {
          const zero = tf.zeros([b, n, width]);
          probes.set(`${l}:${name}`, tf.variable(zero, true, `trainlab/probe${probeId++}`));
          zero.dispose();
        }
      }
    }
    lossFn = makeLoss(model, loss, x, batched);
    const fn = lossFn;
    // A loss that throws (or returns no scalar) inside the tape would leave the forward pass's
    // saved tensors alive (tfjs frees them only when the backward pass runs). So the failure is
    // held, a zero loss finishes the pass (which frees them), and the failure is thrown after.
    let failure: { error: unknown } | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const y = model.apply(x, mask, probes.size > 0 ? probes : undefined);
      const output = batched ? y : tf.squeeze(y, [0]);
      try {
        return fn(output) as tf.Scalar;
      } catch (error) {
        failure = { error };
        return tf.mul(tf.sum(output), 0) as tf.Scalar;
      }
    }, [...selected.map((p) => p.variable), ...probes.values()]);
    if (failure) {
      value.dispose();
      tf.dispose(Object.values(grads));
      throw failure.error;
    }
    const taps: GradientTaps[] = [];
    const tapNorms: GradientResult['tapNorms'] = [];
    if (plan) {
      const tapTensors = new Map<string, Tensor>();
      const tapOf: { layer: number; tap: TapName }[] = [];
      for (const l of tapLayers) {
        const t: Record<string, Tensor | number> = { layer: l };
        for (const name of GRADIENT_TAP_NAMES) {
          if (!plan.include.has(name)) continue;
          const probe = probes.get(`${l}:${name}`)!;
          const g = grads[probe.name] ?? tf.zerosLike(probe);
          const shaped = batched ? g : tf.tidy(() => tf.squeeze(g, [0]));
          if (shaped !== g) g.dispose();
          t[name] = shaped;
          tapTensors.set(`${l}:${name}`, shaped);
          tapOf.push({ layer: l, tap: name });
        }
        taps.push(t as unknown as GradientTaps);
      }
      // frobeniusNorms keeps the map's order: the i-th norm is the i-th tap recorded.
      const norms = [...frobeniusNorms(tapTensors).values()];
      for (let i = 0; i < norms.length; i++) tapNorms.push({ ...tapOf[i]!, norm: norms[i]! });
    }
    const out: Record<string, Tensor> = {};
    for (const p of selected) out[p.name] = grads[p.variable.name] ?? tf.zerosLike(p.variable);
    const lossValue = value.dataSync()[0]!;
    value.dispose();
    const norms = Object.fromEntries(frobeniusNorms(new Map(Object.entries(out))));
    return {
      loss: lossValue,
      grads: out,
      norms,
      taps,
      tapNorms,
      dispose: () => {
        for (const g of Object.values(out)) g.dispose();
        for (const t of taps) for (const name of GRADIENT_TAP_NAMES) t[name]?.dispose();
      },
    };
  } finally {
    for (const p of probes.values()) p.dispose();
    x.dispose();
    mask?.dispose();
    (lossFn as { dispose?: () => void } | undefined)?.dispose?.();
  }
}

let probeId = 0;

/** The gradient taps asked for (`maps` has none: it is refused by name). */
function gradientTapPlan(taps: GradientOptions['taps'], depth: number): TapPlan | null {
  if (taps === undefined || taps === false) return null;
  const plan = tapPlan(
    taps === true ? { include: GRADIENT_TAP_NAMES } : { include: GRADIENT_TAP_NAMES, ...taps },
    depth,
  );
  if (plan?.include.has('maps')) {
    throw invalid(
      'options.taps.include',
      `gradient taps among ${GRADIENT_TAP_NAMES.join(', ')} (not maps)`,
      'maps',
    );
  }
  return plan;
}

/**
 * ‖t‖_F of every tensor of a map, read back in one transfer (√Σx² rather than tf.norm, whose Pow is
 * slow on wasm).
 */
export function frobeniusNorms(map: ReadonlyMap<string, Tensor>): Map<string, number> {
  if (map.size === 0) return new Map();
  const stacked = tf.tidy(() => tf.sqrt(tf.stack([...map.values()].map((t) => tf.sum(tf.square(t))))));
  const values = stacked.dataSync();
  stacked.dispose();
  return new Map([...map.keys()].map((name, i) => [name, values[i]!]));
}

/** The loss value and the gradient norms only (the gradient tensors are freed). */
export function gradientNorms(
  model: Transformer,
  input: ModelInput,
  loss: LossSpec,
  options: GradientOptions = {},
): { loss: number; norms: Record<string, number> } {
  const g = gradients(model, input, loss, options);
  g.dispose();
  return { loss: g.loss, norms: g.norms };
}

/** One (layer, group) total: √(Σ‖∂L/∂θ‖²) over the parameters of that group in that block. */
export interface GroupNorm {
  layer: number | null;
  group: ParamGroup;
  norm: number;
}

/**
 * Sums squared gradient norms per block and group (e.g. all of layer 3's MLP weights), in the
 * model's parameter order.
 */
export function groupNorms(model: Transformer, norms: Record<string, number>): GroupNorm[] {
  const out = new Map<string, GroupNorm>();
  for (const p of model.parameters) {
    const v = norms[p.name];
    if (v === undefined) continue;
    const key = `${p.layer}:${p.group}`;
    const entry = out.get(key) ?? { layer: p.layer, group: p.group, norm: 0 };
    entry.norm += v * v;
    out.set(key, entry);
  }
  return [...out.values()].map((e) => ({ ...e, norm: Math.sqrt(e.norm) }));
}

function selectParams(model: Transformer, wanted: GradientOptions['params']): Parameter[] {
  if (wanted === undefined) return [...model.parameters];
  if (!Array.isArray(wanted) || wanted.length === 0) {
    throw invalid('options.params', 'a non-empty array of parameter names or groups', wanted);
  }
  const chosen = new Set<Parameter>();
  for (const w of wanted) {
    if ((GROUPS as readonly string[]).includes(w)) {
      for (const p of model.parameters) if (p.group === w) chosen.add(p);
    } else {
      chosen.add(model.param(w));
    }
  }
  if (chosen.size === 0) {
    throw new AttentionError(
      'E_INVALID_ARGUMENT',
      `options.params ${JSON.stringify(wanted)} selects no parameter of this model`,
    );
  }
  return model.parameters.filter((p) => chosen.has(p));
}

/** Builds the scalar loss; tensors it holds (targets, probe) are freed through its `dispose`. */
function makeLoss(model: Transformer, loss: LossSpec, x: Tensor, batched: boolean): (y: Tensor) => Tensor {
  const c = model.config;
  const [batch, n] = x.shape as [number, number, number];
  const width = c.outputs ?? c.dModel;
  const outShape = batched ? [batch, n, width] : [n, width];
  if (typeof loss === 'function') {
    return (y) => {
      const value = loss(y);
      if (!(value instanceof tf.Tensor) || value.rank !== 0) {
        const error = invalid('loss', 'a function returning a scalar tensor', value);
        if (value instanceof tf.Tensor) value.dispose();
        throw error;
      }
      return value;
    };
  }
  if (loss === null || typeof loss !== 'object') {
    throw invalid('loss', "{ kind: 'mse' | 'cross-entropy' | 'probe' } or a function", loss);
  }
  const held: Tensor[] = [];
  try {
    const fn = lossOf(loss, c, outShape, held);
    return Object.assign(fn, { dispose: () => tf.dispose(held) });
  } catch (error) {
    tf.dispose(held);
    throw error;
  }
}

function lossOf(
  loss: Exclude<LossSpec, (output: Tensor) => Tensor>,
  c: Transformer['config'],
  outShape: number[],
  held: Tensor[],
): (y: Tensor) => Tensor {
  let fn: (y: Tensor) => Tensor;
  switch (loss.kind) {
    case 'mse': {
      if (loss.target === undefined) {
        fn = (y) => tf.mean(tf.square(y));
        break;
      }
      const target = loss.target instanceof tf.Tensor ? loss.target : tf.tensor(loss.target as number[][]);
      if (!(loss.target instanceof tf.Tensor)) held.push(target);
      if (!sameShape(target.shape, outShape)) {
        throw shapeError(`loss.target must have the output's shape [${outShape}], got [${target.shape}]`);
      }
      fn = (y) => tf.mean(tf.squaredDifference(y, target));
      break;
    }
    case 'cross-entropy': {
      if (c.outputs === null) {
        throw invalid(
          'loss',
          "'cross-entropy' only on a model with an output head (config.outputs)",
          loss.kind,
        );
      }
      const t =
        loss.targets instanceof tf.Tensor
          ? loss.targets
          : tf.tensor(loss.targets as number[], undefined, 'int32');
      if (!(loss.targets instanceof tf.Tensor)) held.push(t);
      const expected = outShape.slice(0, -1);
      if (!sameShape(t.shape, expected)) {
        throw shapeError(
          `loss.targets must have shape [${expected}] (class ids, −1 = ignore), got [${t.shape}]`,
        );
      }
      const ids = t.dataSync();
      let count = 0;
      for (let i = 0; i < ids.length; i++) {
        const v = ids[i]!;
        if (!Number.isInteger(v) || v < -1 || v >= c.outputs) {
          throw invalid(`loss.targets[${i}]`, `a class id from 0 to ${c.outputs - 1}, or −1 to ignore`, v);
        }
        if (v >= 0) count++;
      }
      if (count === 0) throw invalid('loss.targets', 'at least one target ≠ −1', 'all ignored');
      const classes = c.outputs;
      const onehot = tf.tidy(() => tf.oneHot(tf.cast(t, 'int32'), classes));
      held.push(onehot);
      fn = (y) => crossEntropy(y, onehot, count);
      break;
    }
    case 'probe': {
      const size = outShape.reduce((a, b) => a * b, 1);
      const g = tf.tensor(Float32Array.from(new Rng(loss.seed ?? 0).fork('probe').normal(size)), outShape);
      held.push(g);
      fn = (y) => tf.sum(tf.mul(g, y));
      break;
    }
    default:
      throw invalid('loss.kind', "'mse', 'cross-entropy' or 'probe'", (loss as { kind: unknown }).kind);
  }
  return fn;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
