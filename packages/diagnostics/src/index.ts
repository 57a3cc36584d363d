/**
 * @trainlab/diagnostics — rank-collapse and gradient measurements, the uniform-attention theory of
 * Noci et al. (NeurIPS 2022), and runners for the paper's experiments.
 *
 * @module @trainlab/diagnostics
 */

export type { CollapseConfig, CollapseRow, CollapseSummary } from './collapse';
export { collapseExperiment, resolveCollapseConfig } from './collapse';
export type { DepthSweepConfig, DepthSweepRow, DepthSweepSummary } from './depthSweep';
export { depthSweepExperiment, resolveDepthSweepConfig } from './depthSweep';
export type { DongConfig, DongRow, DongSummary, DongVariant } from './dong';
export { DONG_VARIANTS, dongResidualExperiment, resolveDongConfig } from './dong';
export type { DiagnosticsErrorCode } from './errors';
export { DiagnosticsError } from './errors';
export type {
  GradientNormsConfig,
  GradientNormsRow,
  GradientNormsSummary,
  WeightGroup,
} from './gradientNorms';
export { gradientNormsExperiment, resolveGradientNormsConfig } from './gradientNorms';
export type {
  GradientRatioConfig,
  GradientRatioRow,
  GradientRatioSummary,
  RatioVariable,
} from './gradientRatio';
export { gradientRatioExperiment, RATIO_VARIABLES, resolveGradientRatioConfig } from './gradientRatio';
export type { JacobianNorms, LayerGradients } from './gradients';
export { attentionJacobianNorms, layerGradients } from './gradients';
export type { DongResidual, MaskInput, RankMeasures, TokenMatrix, TokensInput } from './measures';
export { dongResidual, gramCorrelation, rankMeasures, tokenCosine, tokenMatrices } from './measures';
export type { OptimizerConfig, TrainingOptimizer } from './optimizerExperiment';
export {
  balancingFactor,
  optimizerExperiment,
  resolveOptimizerConfig,
  TRAINING_OPTIMIZERS,
} from './optimizerExperiment';
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
export type { TokenCosineConfig, TokenCosineRow, TokenCosineSummary } from './tokenCosine';
export { resolveTokenCosineConfig, tokenCosineExperiment } from './tokenCosine';
export type { TrainingBaseConfig, TrainingRow, TrainingSummary } from './trainingBase';
export type { TrainingDepthConfig } from './trainingDepth';
export { resolveTrainingDepthConfig, trainingDepthExperiment } from './trainingDepth';
export type { ExperimentName } from './versions';
export { EXPERIMENT_VERSIONS } from './versions';
