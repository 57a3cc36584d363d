/** The diagnostics runners by name (shared by the main thread and the worker threads). */
import {
  collapseExperiment,
  depthSweepExperiment,
  dongResidualExperiment,
  type ExperimentResult,
  gradientNormsExperiment,
  gradientRatioExperiment,
  optimizerExperiment,
  type RunOptions,
  tokenCosineExperiment,
  trainingDepthExperiment,
} from '@trainlab/diagnostics';

// biome-ignore lint/suspicious/noExplicitAny: each runner has its own config, row and summary types
export type Runner = (config: any, options: RunOptions<any>) => Promise<ExperimentResult<any, any, any>>;

export const RUNNERS: Record<string, Runner> = {
  tokenCosine: tokenCosineExperiment,
  depthSweep: depthSweepExperiment,
  gradientNorms: gradientNormsExperiment,
  gradientRatio: gradientRatioExperiment,
  collapse: collapseExperiment,
  dongResidual: dongResidualExperiment,
  trainingDepth: trainingDepthExperiment,
  optimizers: optimizerExperiment,
};
