/**
 * @trainlab/runner — experiments defined once (a zod config schema, cells, a summary, a figure,
 * the claim they check) and the runner that computes their cells with resume, progress, failures
 * and abort, for any experiment (the rank-collapse experiments of `@trainlab/diagnostics`, the
 * benchmarks of `@trainlab/dfo`). No TensorFlow.js.
 *
 * @module @trainlab/runner
 */
export type {
  ExperimentDefinition,
  ExperimentResult,
  FigureSpec,
  Finding,
  MemoryBound,
  MemoryNeed,
  ReproduceSpec,
} from './definition';
export { cellOf, checkMemory, fixed, formatBytes, resolveConfig, runExperiment, sci } from './definition';
export type { RunnerErrorCode } from './errors';
export { RunnerError } from './errors';
export type { Cell, CellFailure, CellProgress, CellResult, ProgressEvent, RunOptions } from './runCells';
export { runCells } from './runCells';
export type { ConfigIssue, FieldKind, SchemaField } from './schema';
export {
  checkConfig,
  int,
  issueLine,
  MAX_SEED,
  nearest,
  nonEmpty,
  num,
  oneOf,
  parseConfig,
  schemaFields,
  seedField,
  valueText,
} from './schema';
