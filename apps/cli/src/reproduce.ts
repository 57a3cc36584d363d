/**
 * `trainlab reproduce`: the results of both papers at sizes that finish in minutes on 2 cores
 * (`--quick`: seconds), each as a figure (SVG, PNG), data (JSON, CSV) and a two-line reading that
 * says whether the numbers agree with the paper's claim; all gathered in report.md and report.html.
 * It invents nothing: it runs every definition that has a `reproduce` spec, at the config that spec
 * gives, and writes the finding that spec reads off the result.
 */
import { join } from 'node:path';
import type { Finding as DefinitionFinding } from '@trainlab/runner';
import type { Context } from './context';
import { EXPERIMENTS } from './definitions';
import { type CellCounts, type OutputFiles, runExperiment, table } from './experiments';
import { type Provenance, writeReport } from './report';
import type { RunStore } from './store';

/** One section of the report. */
export interface Finding extends DefinitionFinding {
  /** The experiment's id (its command, its files' names). */
  id: string;
  paper: 'rank collapse' | 'entropy collapse' | 'μP' | 'direct search';
  files: OutputFiles;
  counts: CellCounts;
}

/** The ids of the report's sections, in order, at a size (`quick`: the training runs are left out). */
export function reportSections(quick: boolean, seed = 0): string[] {
  return EXPERIMENTS.filter((d) => d.reproduce?.config({ quick, seed }) != null).map((d) => d.id);
}

export async function reproduce(
  ctx: Context,
  store: RunStore,
  quick: boolean,
  seed: number,
): Promise<{ findings: Finding[]; provenance: Provenance }> {
  const started = new Date();
  const findings: Finding[] = [];
  const info = await ctx.backend();
  ctx.heading(`trainlab reproduce${quick ? ' --quick' : ''}: backend ${info.name}, output in ${ctx.out}`);
  for (const definition of EXPERIMENTS) {
    const spec = definition.reproduce;
    const input = spec?.config({ quick, seed });
    if (!spec || input == null) continue;
    const config = definition.schema.parse(input) as Record<string, unknown>;
    const { result, counts, files } = await runExperiment(ctx, store, definition, config);
    findings.push({ id: definition.id, paper: spec.paper, ...spec.finding(result), files, counts });
  }
  const provenance = writeReport(ctx, findings, { quick, seed, started, backend: info });
  ctx.print(
    table(
      findings.map((f) => ({
        result: f.id,
        agrees: f.agrees ? 'yes' : 'NO',
        computed: f.counts.computed,
        stored: f.counts.reused,
      })),
      ['result', 'agrees', 'computed', 'stored'],
    ),
  );
  ctx.print(`\nreport: ${join(ctx.out, 'report.md')} (and report.html, report.json)`);
  return { findings, provenance };
}
