/**
 * @trainlab/diagnostics — rank-collapse and gradient measurements, the uniform-attention theory of
 * Noci et al. (NeurIPS 2022), and runners for the paper's experiments.
 *
 * @module @trainlab/diagnostics
 */

export type { CollapseConfig, CollapseRow, CollapseSummary } from './collapse';
export { collapseDefinition, collapseExperiment, resolveCollapseConfig } from './collapse';
export type { CoordCheckConfig, CoordCheckRow, CoordCheckSummary, CoordStatistic } from './coordCheck';
export {
  coordCheckDefinition,
  coordCheckExperiment,
  logLogSlope,
  resolveCoordCheckConfig,
} from './coordCheck';
export type { DepthSweepConfig, DepthSweepRow, DepthSweepSummary } from './depthSweep';
export { depthSweepDefinition, depthSweepExperiment, resolveDepthSweepConfig } from './depthSweep';
export type { DongConfig, DongRow, DongSummary, DongVariant } from './dong';
export { DONG_VARIANTS, dongDefinition, dongResidualExperiment, resolveDongConfig } from './dong';
export type { EntropyConfig, EntropyRow, EntropySummary } from './entropyCollapse';
export { criticalScale, entropyDefinition, entropyExperiment, resolveEntropyConfig } from './entropyCollapse';
export type { PhaseConfig, PhaseRow, PhaseSummary } from './entropyPhase';
export { phaseDefinition, phaseExperiment, resolvePhaseConfig } from './entropyPhase';
export type {
  AttentionDisorderInput,
  AttentionStackInput,
  AttentionStackLayer,
  AttentionStatistics,
  EntropyPrediction,
  RemParameters,
} from './entropyTheory';
export {
  attentionStatistics,
  predictAttentionStack,
  predictEntropyCollapse,
  remParameters,
} from './entropyTheory';
export type { DiagnosticsErrorCode } from './errors';
export { DiagnosticsError } from './errors';
export { EXPERIMENTS } from './experiments';
export type {
  GradientNormsConfig,
  GradientNormsRow,
  GradientNormsSummary,
  WeightGroup,
} from './gradientNorms';
export {
  gradientNormsDefinition,
  gradientNormsExperiment,
  resolveGradientNormsConfig,
} from './gradientNorms';
export type {
  GradientRatioConfig,
  GradientRatioRow,
  GradientRatioSummary,
  RatioVariable,
} from './gradientRatio';
export {
  gradientRatioDefinition,
  gradientRatioExperiment,
  RATIO_VARIABLES,
  resolveGradientRatioConfig,
} from './gradientRatio';
export type { JacobianNorms, LayerGradients } from './gradients';
export { attentionJacobianNorms, layerGradients } from './gradients';
export type { KernelConfig, KernelRow, KernelSummary } from './kernel';
export { kernelDefinition, kernelExperiment, resolveKernelConfig } from './kernel';
export type { DongResidual, MaskInput, RankMeasures, TokenMatrix, TokensInput } from './measures';
export { dongResidual, gramCorrelation, rankMeasures, tokenCosine, tokenMatrices } from './measures';
export type { OptimizerConfig, OptimizerRun, TrainingOptimizer } from './optimizerExperiment';
export {
  balancingFactor,
  optimizerDefinition,
  optimizerExperiment,
  resolveOptimizerConfig,
  TRAINING_OPTIMIZERS,
} from './optimizerExperiment';
export type {
  Cell,
  CellFailure,
  CellResult,
  ExperimentDefinition,
  ExperimentResult,
  FigureSpec,
  ProgressEvent,
  RunOptions,
} from './runner';
export { correlatedTokens } from './runner';
export type { ResolvedSettings, ScaleKind, Setting, SettingColumns } from './settings';
export { hasScale, scaleLabel, settingLabel } from './settings';
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
export { resolveTokenCosineConfig, tokenCosineDefinition, tokenCosineExperiment } from './tokenCosine';
export type { TrainingMeasures, TrainingRow, TrainingSummary, TrainingSummaryMeasures } from './trainingBase';
export type { DepthRun, TrainingDepthConfig } from './trainingDepth';
export {
  resolveTrainingDepthConfig,
  trainingDepthDefinition,
  trainingDepthExperiment,
} from './trainingDepth';
