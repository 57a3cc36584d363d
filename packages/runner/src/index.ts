/**
 * @trainlab/runner — runs the cells of a sweep with resume, progress, failures and abort, for any
 * experiment (the rank-collapse runners of `@trainlab/diagnostics`, the DFO benchmarks of the CLI).
 *
 * @module @trainlab/runner
 */
export type { RunnerErrorCode } from './errors';
export { RunnerError } from './errors';
export type { Cell, CellFailure, CellResult, ProgressEvent, RunOptions } from './runCells';
export { runCells } from './runCells';
