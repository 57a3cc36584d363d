/**
 * The experiments the CLI runs: those of `@trainlab/diagnostics` (top-level commands) and the
 * benchmarks of `@trainlab/dfo` (under `trainlab dfo`), each defined once in its package. Commands,
 * flags, help, the worker threads and `reproduce` all iterate this list.
 */

import { BENCHMARKS } from '@trainlab/dfo';
import { EXPERIMENTS as DIAGNOSTICS } from '@trainlab/diagnostics';
import type { ExperimentDefinition } from '@trainlab/runner';

/** Every experiment and benchmark, in the order the report shows them. */
export const EXPERIMENTS: readonly ExperimentDefinition[] = [...DIAGNOSTICS, ...BENCHMARKS];

/** The definition with this id (ids are unique across packages: a test checks it). */
export function experimentById(id: string): ExperimentDefinition {
  const definition = EXPERIMENTS.find((d) => d.id === id);
  if (!definition)
    throw new Error(`no experiment ${JSON.stringify(id)}; known: ${EXPERIMENTS.map((d) => d.id).join(', ')}`);
  return definition;
}

/** The words of an experiment's command: `signal`, or `dfo games` for a benchmark of `@trainlab/dfo`. */
export function commandOf(definition: ExperimentDefinition): string[] {
  return definition.owner === '@trainlab/dfo' ? ['dfo', definition.id] : [definition.id];
}
