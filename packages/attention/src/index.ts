/**
 * @trainlab/attention — the transformer family of the rank-collapse paper (Noci et al., NeurIPS
 * 2022): multi-head attention, MLP, LayerNorm, Post-LN / Pre-LN / no-LN blocks with residual
 * scalings, taps on every sub-layer and named per-parameter gradients, on TensorFlow.js.
 *
 * @module @trainlab/attention
 */
export type {
  Activation,
  AttentionKind,
  InitStds,
  MlpConfig,
  NormPlacement,
  Positional,
  ResidualScale,
  ResolvedConfig,
  TransformerConfig,
} from './config';
export { MAX_SIZE, resolveConfig } from './config';
export type { AttentionErrorCode, ConfigIssue } from './errors';
export { AttentionError } from './errors';
export type { Float64Gradients, Float64Input, Float64Weights } from './float64';
export { forwardFloat64, gradientsFloat64 } from './float64';
export type { GradientOptions, GradientResult, GradientTaps, GroupNorm, LossSpec } from './gradients';
export { GRADIENT_TAP_NAMES, gradientNorms, gradients, groupNorms } from './gradients';
export type { AttentionOptions, AttentionWeights, MlpWeights } from './layers';
export {
  attentionBias,
  gelu,
  layerNorm,
  MASKED,
  mlp,
  multiHeadAttention,
  sinusoidalPositions,
} from './layers';
export type { MemoryEstimate, MemoryMode, MemoryOptions } from './memory';
export { estimateMemory, parameterCount } from './memory';
export type {
  BlockTaps,
  CreateOptions,
  ForwardOptions,
  ForwardResult,
  ModelInput,
  TapName,
  TapOptions,
} from './model';
export { createTransformer, TAP_NAMES, Transformer } from './model';
export type { Optimizer, OptimizerStep } from './optimizers';
export { adam, sgd } from './optimizers';
export type { BlockParams, LayerNormParams, ModelParams, Parameter, ParamGroup } from './params';
export type { Split, Task, TaskName, TaskOptions } from './tasks';
export { makeTask, TASK_NAMES, taskShape } from './tasks';
export type { Checkpoint, EvalRecord, LayerRecord, TrainOptions, TrainResult } from './train';
export { learningRate, train } from './train';
