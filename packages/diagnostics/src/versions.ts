/**
 * The protocol version of each experiment runner. A run store keys its cells by it (with the
 * package's own version), so that a cell computed before a change to what a cell computes is never
 * served as if it were current. Bump an experiment's number whenever a change alters its rows for
 * the same config and seed.
 */
export const EXPERIMENT_VERSIONS = {
  tokenCosine: 1,
  depthSweep: 1,
  gradientNorms: 1,
  gradientRatio: 1,
  collapse: 1,
  dongResidual: 1,
  trainingDepth: 1,
  optimizers: 1,
} as const;

/** The name of an experiment runner of this package. */
export type ExperimentName = keyof typeof EXPERIMENT_VERSIONS;
