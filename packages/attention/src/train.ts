/**
 * Training a transformer on a sequence task: Adam or SGD with momentum, learning-rate warmup and
 * decay, global-norm gradient clipping, per-group learning rates (q, k, v, o, mlp, ln, embed, head),
 * evaluation every N steps with per-layer token cosine, gradient norms and update sizes, early stop
 * on divergence (reported, not thrown), and checkpoints that resume to the same curve.
 *
 * Batches are drawn from the stream `batch/<step>` of the seed, so a resumed run needs only the
 * step to draw exactly the batches an unbroken run would.
 */

import { Rng, type Seed, type Tensor, tf } from '@trainlab/tensor';
import { invalid } from './errors';
import { frobeniusNorms } from './gradients';
import { crossEntropy } from './layers';
import type { Transformer } from './model';
import { adam, sgd } from './optimizers';
import type { ParamGroup } from './params';
import type { Split, Task } from './tasks';

/** Options of `train`: optimizer, schedule, clipping, evaluation and checkpointing. */
export interface TrainOptions {
  /** Steps to train (in total, counting those of a resumed checkpoint); the schedule spans them. */
  steps: number;
  /** Stop after this step (≤ steps) and return a checkpoint, keeping the schedule of `steps`. @defaultValue steps */
  until?: number;
  /** @defaultValue 32 */
  batchSize?: number;
  /** @defaultValue 'adam' */
  optimizer?: 'adam' | 'sgd';
  /** Base learning rate. @defaultValue 1e-3 for Adam, 0.1 for SGD */
  lr?: number;
  /** SGD momentum. @defaultValue 0.9 */
  momentum?: number;
  /** Adam β₁, β₂. @defaultValue [0.9, 0.999] */
  betas?: [number, number];
  /** @defaultValue 1e-8 */
  eps?: number;
  /** Linear warmup steps. @defaultValue 0 */
  warmup?: number;
  /** Decay after warmup, to 0 at the last step. @defaultValue 'none' */
  decay?: 'none' | 'linear' | 'cosine';
  /** Clip the global gradient norm to this value. @defaultValue Infinity (no clipping) */
  clip?: number;
  /**
   * Training stops as diverged when the loss is NaN or infinite, or exceeds this multiple of the
   * chance-level cross-entropy ln(classes) (a loss of 10¹² is finite but no longer training).
   * @defaultValue 100
   */
  divergence?: number;
  /** Learning-rate multiplier per parameter group (0 freezes a group). @defaultValue 1 for every group */
  groupLr?: Partial<Record<ParamGroup, number>>;
  /** Evaluate (and record) every this many steps, and at the last step. @defaultValue 50 */
  evalEvery?: number;
  /** Seed of the batch order. @defaultValue 0 */
  seed?: Seed;
  /** Called with every evaluation record as soon as it exists. */
  onEval?: (record: EvalRecord) => void | Promise<void>;
  /**
   * How `LayerRecord.cosine` is measured from a block's output on the probe batch (`[batch, n, d]`
   * in, a number out; it must not keep the tensor). `@trainlab/diagnostics` passes its float64
   * `tokenCosine`, so training reports the same measure as every other experiment.
   * @defaultValue the mean pairwise token cosine, computed in float32 on the backend
   */
  tokenMeasure?: (output: Tensor) => number;
  /** Resume from this checkpoint (weights, optimizer state, step). */
  checkpoint?: Checkpoint;
}

/** Per block at an evaluation step. */
export interface LayerRecord {
  layer: number;
  /** Mean pairwise token cosine of the block's output on a validation batch. */
  cosine: number;
  /** Gradient norms ‖∂L/∂W‖ at this step, per group. */
  grad: Record<'q' | 'k' | 'v' | 'o' | 'mlp', number>;
  /** Update sizes ‖Δθ‖ of this step, per group. */
  update: Record<'q' | 'k' | 'v' | 'o' | 'mlp', number>;
}

/** One evaluation during `train`: losses and per-layer diagnostics at a step. */
export interface EvalRecord {
  step: number;
  lr: number;
  /** Mean training loss since the previous evaluation. */
  trainLoss: number;
  valLoss: number;
  /** Share of scored validation tokens predicted right. */
  valAccuracy: number;
  layers: LayerRecord[];
}

/** Everything needed to continue a run exactly (JSON-serializable). */
export interface Checkpoint {
  step: number;
  weights: Record<string, number[]>;
  /** Optimizer slots per parameter: Adam's m and v, or SGD's momentum buffer u. */
  slots: Record<string, Record<string, number[]>>;
  /** Sum and count of training losses since the last evaluation. */
  lossSum: number;
  lossCount: number;
}

/** What `train` returns: the evaluation records, the steps run, divergence and a checkpoint to resume from. */
export interface TrainResult {
  records: EvalRecord[];
  /** The loss became NaN or infinite, or exceeded `divergence` × ln(classes): training stopped there. */
  diverged: boolean;
  divergedAt: number | null;
  steps: number;
  checkpoint: Checkpoint;
}

const GROUPS = ['q', 'k', 'v', 'o', 'mlp'] as const;

interface Resolved {
  steps: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  momentum: number;
  betas: [number, number];
  eps: number;
  warmup: number;
  decay: 'none' | 'linear' | 'cosine';
  clip: number;
  divergence: number;
  groupLr: Partial<Record<ParamGroup, number>>;
  evalEvery: number;
  seed: Seed;
  until: number;
}

function resolve(o: TrainOptions): Resolved {
  const optimizer = o.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd')
    throw invalid('options.optimizer', "'adam' or 'sgd'", optimizer);
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw invalid(`options.${name}`, `an integer ≥ ${min}`, v);
    return v;
  };
  const num = (name: string, v: number, min: number, max = Number.POSITIVE_INFINITY, infinite = false) => {
    if (!(typeof v === 'number' && v >= min && v <= max && (Number.isFinite(v) || infinite))) {
      throw invalid(`options.${name}`, `a number from ${min} to ${max}`, v);
    }
    return v;
  };
  const betas = o.betas ?? [0.9, 0.999];
  for (const [group, m] of Object.entries(o.groupLr ?? {})) num(`groupLr.${group}`, m as number, 0);
  const decay = o.decay ?? 'none';
  if (!['none', 'linear', 'cosine'].includes(decay))
    throw invalid('options.decay', "'none', 'linear' or 'cosine'", decay);
  const steps = int('steps', o.steps, 1);
  const until = o.until === undefined ? steps : int('until', o.until, 1);
  if (until > steps) throw invalid('options.until', `an integer from 1 to steps = ${steps}`, until);
  return {
    steps,
    until,
    batchSize: int('batchSize', o.batchSize ?? 32, 1),
    optimizer,
    lr: num('lr', o.lr ?? (optimizer === 'adam' ? 1e-3 : 0.1), 0),
    momentum: num('momentum', o.momentum ?? 0.9, 0, 1),
    betas: [num('betas[0]', betas[0], 0, 1), num('betas[1]', betas[1], 0, 1)],
    eps: num('eps', o.eps ?? 1e-8, 0),
    warmup: int('warmup', o.warmup ?? 0, 0),
    decay,
    clip: num('clip', o.clip ?? Number.POSITIVE_INFINITY, 0, Number.POSITIVE_INFINITY, true),
    divergence: num('divergence', o.divergence ?? 100, 1, Number.POSITIVE_INFINITY, true),
    groupLr: o.groupLr ?? {},
    evalEvery: int('evalEvery', o.evalEvery ?? 50, 1),
    seed: o.seed ?? 0,
  };
}

/** The learning rate at `step` (1-based): linear warmup, then constant, linear or cosine decay to 0. */
export function learningRate(o: Pick<Resolved, 'lr' | 'warmup' | 'decay' | 'steps'>, step: number): number {
  if (o.warmup > 0 && step <= o.warmup) return (o.lr * step) / o.warmup;
  if (o.decay === 'none') return o.lr;
  const progress = Math.min(1, (step - o.warmup) / Math.max(1, o.steps - o.warmup));
  return o.decay === 'linear' ? o.lr * (1 - progress) : 0.5 * o.lr * (1 + Math.cos(Math.PI * progress));
}

/** Mean pairwise cosine of the tokens of `[batch, n, d]`, averaged over the batch. */
function meanCosine(x: Tensor): number {
  return tf.tidy(() => {
    const [batch, n] = x.shape as [number, number, number];
    const u = tf.div(x, tf.add(tf.sqrt(tf.sum(tf.square(x), -1, true)), 1e-30));
    const s = tf.sum(tf.square(tf.sum(u, 1))).dataSync()[0]!; // Σ_b ‖Σ_i u_i‖² = Σ_b Σ_ij cos
    return (s - batch * n) / (batch * n * (n - 1));
  });
}

/** Trains `model` (which needs `vocabSize` and `outputs` matching the task) on `task`. */
export async function train(model: Transformer, task: Task, options: TrainOptions): Promise<TrainResult> {
  const o = resolve(options);
  const c = model.config;
  if (c.vocabSize === null || c.vocabSize < task.vocabSize) {
    throw invalid('model.config.vocabSize', `≥ the task's vocabulary (${task.vocabSize})`, c.vocabSize);
  }
  if (c.outputs !== task.outputs)
    throw invalid('model.config.outputs', `the task's classes (${task.outputs})`, c.outputs);
  if (c.maxLength !== null && c.maxLength < task.length) {
    throw invalid('model.config.maxLength', `≥ the task's length (${task.length})`, c.maxLength);
  }
  const params = model.parameters;
  const vars = params.map((p) => p.variable);
  const optimizer =
    o.optimizer === 'adam' ? adam({ betas: o.betas, eps: o.eps }) : sgd({ momentum: o.momentum });
  const slots = new Map<string, Record<string, Tensor>>();
  let step = 0;
  let lossSum = 0;
  let lossCount = 0;
  if (options.checkpoint) {
    const ck = options.checkpoint;
    model.setWeights(ck.weights);
    for (const [name, s] of Object.entries(ck.slots)) {
      const shape = model.param(name).shape as number[];
      slots.set(
        name,
        Object.fromEntries(Object.entries(s).map(([k, v]) => [k, tf.tensor(Float32Array.from(v), shape)])),
      );
    }
    step = ck.step;
    lossSum = ck.lossSum;
    lossCount = ck.lossCount;
  }

  const root = new Rng(o.seed);
  const batchOf = (split: Split, indices: number[]) => ({
    x: tf.tensor2d(
      indices.map((i) => split.inputs[i]!),
      undefined,
      'int32',
    ),
    y: indices.map((i) => split.targets[i]!),
  });
  const targetsOf = (y: number[][]) => {
    const count = y.flat().filter((t) => t >= 0).length;
    return { onehot: tf.tidy(() => tf.oneHot(tf.tensor2d(y, undefined, 'int32'), task.outputs)), count };
  };
  const records: EvalRecord[] = [];
  // Chance-level cross-entropy is ln(classes); a loss far above it is a run that blew up.
  const divergedAbove = o.divergence * Math.log(Math.max(2, task.outputs));
  let diverged = false;
  let divergedAt: number | null = null;

  const evaluate = async (lr: number, grads: Map<string, Tensor>, updates: Map<string, Tensor>) => {
    // Everything measured here is freed when the record is made, also when a measure throws.
    const record = tf.tidy(() => measure(lr, grads, updates) as never) as EvalRecord;
    lossSum = 0;
    lossCount = 0;
    records.push(record);
    await options.onEval?.(record);
  };
  const measure = (lr: number, grads: Map<string, Tensor>, updates: Map<string, Tensor>): EvalRecord => {
    const val = task.validation;
    let loss = 0;
    let right = 0;
    let scored = 0;
    for (let start = 0; start < val.inputs.length; start += 250) {
      const idx = Array.from({ length: Math.min(250, val.inputs.length - start) }, (_, i) => start + i);
      const { x, y } = batchOf(val, idx);
      const { onehot, count } = targetsOf(y);
      const [l, predicted] = tf.tidy(() => {
        const logits = model.apply(x);
        return [
          tf.mul(crossEntropy(logits, onehot, Math.max(1, count)), count),
          tf.argMax(logits, -1),
        ] as const;
      });
      loss += l.dataSync()[0]!;
      const pred = predicted.dataSync();
      y.flat().forEach((t, i) => {
        if (t < 0) return;
        scored++;
        if (pred[i] === t) right++;
      });
      tf.dispose([x, onehot, l, predicted]);
    }
    // Per-layer token cosine on the first 64 validation sequences.
    const probe = batchOf(
      val,
      Array.from({ length: Math.min(64, val.inputs.length) }, (_, i) => i),
    );
    const taps = model.forward(probe.x, { taps: { include: ['output'] } });
    const gradNorms = frobeniusNorms(grads);
    const updateNorms = frobeniusNorms(updates);
    const layers: LayerRecord[] = taps.taps.map((t) => {
      const of = (norms: Map<string, number>, group: string) =>
        Math.hypot(
          ...params
            .filter((p) => p.layer === t.layer && p.group === group)
            .map((p) => norms.get(p.name) ?? 0),
        );
      return {
        layer: t.layer,
        cosine: (options.tokenMeasure ?? meanCosine)(t.output!),
        grad: Object.fromEntries(GROUPS.map((g) => [g, of(gradNorms, g)])) as LayerRecord['grad'],
        update: Object.fromEntries(GROUPS.map((g) => [g, of(updateNorms, g)])) as LayerRecord['update'],
      };
    });
    taps.dispose();
    probe.x.dispose();
    const record: EvalRecord = {
      step,
      lr,
      trainLoss: lossCount > 0 ? lossSum / lossCount : Number.NaN,
      valLoss: loss / Math.max(1, scored),
      valAccuracy: right / Math.max(1, scored),
      layers,
    };
    return record;
  };

  // The tensors of the step in flight: freed with the optimizer state if anything throws.
  let pending: Tensor[] = [];
  try {
    while (step < o.until) {
      step++;
      const lr = learningRate(o, step);
      const rng = root.fork(`batch/${step}`);
      const indices = Array.from({ length: o.batchSize }, () => rng.int(task.train.inputs.length));
      const { x, y } = batchOf(task.train, indices);
      const { onehot, count } = targetsOf(y);
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(model.apply(x), onehot, Math.max(1, count)) as tf.Scalar,
        vars,
      );
      tf.dispose([x, onehot]);
      const lossValue = value.dataSync()[0]!;
      value.dispose();
      const gradMap = new Map(
        params.map((p) => [p.name, grads[p.variable.name] ?? tf.zerosLike(p.variable)]),
      );
      pending = [...gradMap.values()];
      if (!Number.isFinite(lossValue) || lossValue > divergedAbove) {
        tf.dispose([...gradMap.values()]);
        diverged = true;
        divergedAt = step;
        break;
      }
      lossSum += lossValue;
      lossCount++;
      let scale = 1;
      if (Number.isFinite(o.clip)) {
        const total = tf.tidy(
          () => tf.sqrt(tf.addN([...gradMap.values()].map((g) => tf.sum(tf.square(g))))).dataSync()[0]!,
        );
        if (total > o.clip) scale = o.clip / total;
      }
      const record = step % o.evalEvery === 0 || step === o.steps;
      const updates = new Map<string, Tensor>();
      for (const p of params) {
        const rate = lr * (o.groupLr[p.group] ?? 1);
        const g0 = gradMap.get(p.name)!;
        const s = slots.get(p.name) ?? {};
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const { delta, slots: state } = optimizer.step(g, s, rate, step);
        if (g !== g0) g.dispose();
        const updated = tf.add(p.variable, delta);
        p.variable.assign(updated);
        updated.dispose();
        for (const t of Object.values(s)) t.dispose();
        slots.set(p.name, state);
        if (record) {
          updates.set(p.name, delta);
          pending.push(delta);
        } else delta.dispose();
      }
      if (record) await evaluate(lr, gradMap, updates);
      tf.dispose(pending);
      pending = [];
    }
  } catch (error) {
    tf.dispose(pending);
    for (const s of slots.values()) for (const t of Object.values(s)) t.dispose();
    throw error;
  }

  const checkpoint: Checkpoint = {
    step,
    weights: Object.fromEntries(Object.entries(model.weights()).map(([k, v]) => [k, Array.from(v)])),
    slots: Object.fromEntries(
      [...slots].map(([name, s]) => [
        name,
        Object.fromEntries(Object.entries(s).map(([k, t]) => [k, Array.from(t.dataSync())])),
      ]),
    ),
    lossSum,
    lossCount,
  };
  for (const s of slots.values()) for (const t of Object.values(s)) t.dispose();
  return { records, diverged, divergedAt, steps: step, checkpoint };
}
