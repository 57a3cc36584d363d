/**
 * The CLI reference as Markdown, generated from the command definitions themselves (commander's
 * commands, options, choices, defaults and help texts), so that the documentation site never
 * drifts from what `trainlab --help` prints.
 */
import { schemaFields, valueText } from '@trainlab/runner';
import type { Command, Option } from 'commander';
import { flagName } from './configFlags';
import { commandOf, EXPERIMENTS } from './definitions';
import { buildProgram } from './program';

export { buildProgram };

/** Escapes text for a Markdown table cell (and keeps VitePress from reading `{{ }}` as Vue). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ').replace(/\{\{/g, '{<span></span>{');
}

function optionRows(options: readonly Option[]): string[] {
  const rows = ['| option | description |', '| --- | --- |'];
  for (const o of options) {
    if (o.hidden) continue;
    let text = o.description;
    if (o.argChoices) text += ` (one of: ${o.argChoices.map((c) => `\`${c}\``).join(', ')})`;
    if (o.defaultValue !== undefined) text += ` (default: \`${JSON.stringify(o.defaultValue)}\`)`;
    rows.push(`| \`${cell(o.flags)}\` | ${cell(text)} |`);
  }
  return rows;
}

/** What `addHelpText('after', …)` added to a command's help (its examples). */
function helpAfter(command: Command): string {
  let full = '';
  command.configureOutput({ writeOut: (s) => (full += s), writeErr: (s) => (full += s) });
  command.outputHelp();
  const plain = command.helpInformation();
  const at = full.indexOf(plain);
  return (at >= 0 ? full.slice(at + plain.length) : '').trim();
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function section(command: Command, level: number, out: string[]): void {
  const name = fullName(command);
  out.push(`${'#'.repeat(level)} \`${name}\``, '');
  out.push(command.description(), '');
  out.push('```sh', `${name} ${command.usage()}`, '```', '');
  const options = command.options.filter((o) => !o.hidden);
  if (options.length > 0) out.push(...optionRows(options), '');
  const after = helpAfter(command);
  if (after) out.push('```text', after, '```', '');
  for (const sub of command.commands) section(sub, level + 1, out);
}

/**
 * The reference of every `trainlab` command as one Markdown page: the global options, then each
 * command with its usage, options (choices and defaults included) and examples.
 */
export function cliReference(program: Command = buildProgram()): string {
  const out = [
    '# CLI reference',
    '',
    '<!-- Generated from the command definitions of apps/cli (src/reference.ts). Do not edit. -->',
    '',
    program.description(),
    '',
    '```sh',
    `${program.name()} ${program.usage()}`,
    '```',
    '',
    '## Global options',
    '',
    'These apply to every command and go before or after the command name.',
    '',
    ...optionRows(program.options),
    '',
    '## Commands',
    '',
  ];
  for (const command of program.commands) section(command, 3, out);
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * The reference of every experiment and benchmark as one Markdown page, from their definitions:
 * id, owning package, protocol version, command, and each config field with its flag, what it is
 * and its default. The same schemas give the CLI its flags, so the two cannot disagree.
 */
export function experimentsReference(): string {
  const out = [
    '# Experiments',
    '',
    '<!-- Generated from the experiment definitions of @trainlab/diagnostics and @trainlab/dfo (apps/cli/src/reference.ts). Do not edit. -->',
    '',
    'Each experiment is defined once, in the package that owns it: a config schema (every field with its default),',
    'the cells it computes, how rows become a summary and a figure, and the claim of the paper it checks. The CLI',
    'commands, the worker threads, `trainlab reproduce` and this page are all made from those definitions.',
    'A config file (JSON or YAML, `--config`) takes the same fields as the flags.',
    '',
  ];
  for (const d of EXPERIMENTS) {
    out.push(`## \`${d.id}\``, '', `${d.title}.`, '');
    out.push(
      `Command: \`trainlab ${commandOf(d).join(' ')}\` · defined in \`${d.owner}\` (protocol version ${d.version}) · ${d.engine === 'tfjs' ? 'runs on TensorFlow.js' : 'plain JavaScript'}${d.reproduce ? ` · in the report (${d.reproduce.paper})` : ''}`,
      '',
    );
    // The flag first: reference tables keep their first column on one line.
    out.push('| flag | field | description | default |', '| --- | --- | --- | --- |');
    for (const f of schemaFields(d.schema)) {
      const flag = f.path === 'seed' ? '`--seed` (global)' : `\`--${flagName(f.path)}\``;
      const fallback = f.default === undefined ? '' : `\`${valueText(f.default)}\``;
      out.push(`| ${flag} | \`${f.path}\` | ${cell(f.description)} | ${fallback} |`);
    }
    out.push('', '```sh', `trainlab ${commandOf(d).join(' ')} ${d.example}`, '```', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The ids of every experiment and benchmark, in report order (what the experiments page lists). */
export function experimentIds(): string[] {
  return EXPERIMENTS.map((d) => d.id);
}
