/**
 * One definition per experiment: the CLI's commands, the report's sections and the docs' reference
 * are all made from the same list, so they name the same experiments; every definition's defaults,
 * examples and report configs are valid configs of its own schema.
 */
import { cellOf, resolveConfig, schemaFields } from '@trainlab/runner';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/configFlags';
import { commandOf, EXPERIMENTS } from '../src/definitions';
import { buildProgram } from '../src/program';
import { experimentsReference } from '../src/reference';
import { reportSections } from '../src/reproduce';

/** Commands that are not experiments: they have no definition and no report section. */
const TOOLS = ['reproduce', 'backend', 'worker', 'dfo', 'dfo minimize', 'dfo minimax'];

function commandNames(c: Command, prefix = ''): string[] {
  return c.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    return [name, ...commandNames(sub, `${name} `)];
  });
}

function findCommand(program: Command, words: string[]): Command {
  let at = program;
  for (const w of words) at = at.commands.find((c) => c.name() === w)!;
  return at;
}

describe('experiment definitions', () => {
  const ids = EXPERIMENTS.map((d) => d.id);

  it('have unique ids across the packages that own them', () => {
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(10);
  });

  it('are the CLI commands, the report sections and the docs reference, by the same ids', () => {
    const commands = commandNames(buildProgram()).filter((n) => !TOOLS.includes(n));
    expect(commands.sort()).toEqual(EXPERIMENTS.map((d) => commandOf(d).join(' ')).sort());
    // The full report has a section per experiment; --quick leaves out only the training runs.
    expect(reportSections(false)).toEqual(ids);
    expect(reportSections(true)).toEqual(ids.filter((id) => id !== 'train' && id !== 'optimizers'));
    const headings = [...experimentsReference().matchAll(/^## `([^`]+)`$/gm)].map((m) => m[1]);
    expect(headings).toEqual(ids);
  });

  it.each(EXPERIMENTS.map((d) => [d.id, d] as const))(
    '%s: defaults, report configs and the help example are valid, cell keys unique, every field described',
    (_, d) => {
      const defaults = resolveConfig(d, {});
      for (const quick of [true, false]) {
        const input = d.reproduce?.config({ quick, seed: 3 });
        if (input) expect(resolveConfig(d, input).seed).toBe(3);
      }
      const keys = d.cells(defaults).map((c) => c.key);
      expect(new Set(keys).size).toBe(keys.length);
      expect(() => cellOf(d, defaults, 'no such cell')).toThrow(/has no cell/);
      for (const f of schemaFields(d.schema)) expect(f.description, `${d.id}.${f.path}`).not.toBe('');
      // The example in --help parses into a config the schema accepts.
      const command = findCommand(buildProgram(), commandOf(d));
      const parsed = command.parseOptions(d.example.split(' '));
      expect(parsed.unknown).toEqual([]);
      expect(() => readConfig(d, command.opts(), undefined)).not.toThrow();
    },
  );
});
