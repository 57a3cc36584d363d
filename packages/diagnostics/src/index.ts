/**
 * @trainlab/diagnostics — rank-collapse and gradient measurements, the uniform-attention theory of
 * Noci et al. (NeurIPS 2022), and runners for the paper's experiments.
 *
 * @module @trainlab/diagnostics
 */
export type { DiagnosticsErrorCode } from './errors';
export { DiagnosticsError } from './errors';
export type {
  CollapseConfig,
  CollapseRow,
  CollapseSummary,
  GradientNormsConfig,
  GradientNormsRow,
  GradientNormsSummary,
  GradientRatioConfig,
  GradientRatioRow,
  GradientRatioSummary,
  RatioVariable,
  WeightGroup,
} from './gradientExperiments';
export {
  collapseExperiment,
  gradientNormsExperiment,
  gradientRatioExperiment,
  RATIO_VARIABLES,
  resolveCollapseConfig,
  resolveGradientNormsConfig,
  resolveGradientRatioConfig,
} from './gradientExperiments';
export type { JacobianNorms, LayerGradients } from './gradients';
export { attentionJacobianNorms, layerGradients } from './gradients';
export type { DongResidual, MaskInput, RankMeasures, TokenMatrix, TokensInput } from './measures';
export { dongResidual, gramCorrelation, rankMeasures, tokenCosine, tokenMatrices } from './measures';
export type {
  DepthSweepConfig,
  DepthSweepRow,
  DepthSweepSummary,
  DongConfig,
  DongRow,
  DongSummary,
  DongVariant,
  TokenCosineConfig,
  TokenCosineRow,
  TokenCosineSummary,
} from './propagation';
export {
  DONG_VARIANTS,
  depthSweepExperiment,
  dongResidualExperiment,
  resolveDepthSweepConfig,
  resolveDongConfig,
  resolveTokenCosineConfig,
  tokenCosineExperiment,
} from './propagation';
export type {
  Cell,
  CellFailure,
  CellResult,
  ExperimentResult,
  FigureSpec,
  ProgressEvent,
  RunOptions,
} from './runner';
export { correlatedTokens, runCells } from './runner';
export type { ResolvedSettings, Setting, SettingsConfig } from './settings';
export type { GradientRatio, GradientTheoryInput, LayerPrediction, PropagationInput } from './theory';
export {
  activationMoments,
  arcCosine,
  attentionOnlyCorrelation,
  gradientRatioForTokens,
  predictGradientRatio,
  predictPropagation,
} from './theory';
export type {
  OptimizerConfig,
  TrainingBaseConfig,
  TrainingDepthConfig,
  TrainingOptimizer,
  TrainingRow,
  TrainingSummary,
} from './training';
export {
  balancingFactor,
  optimizerExperiment,
  resolveOptimizerConfig,
  resolveTrainingDepthConfig,
  TRAINING_OPTIMIZERS,
  trainingDepthExperiment,
} from './training';
export type { ExperimentName } from './versions';
export { EXPERIMENT_VERSIONS } from './versions';
