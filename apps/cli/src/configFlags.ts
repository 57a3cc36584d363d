/**
 * An experiment's command-line flags, help and config validation, all derived from its definition's
 * zod schema (see `@trainlab/runner`): one flag per config field (`dModel` → `--d-model`, `init.q` →
 * `--init-q`), help text from the field's description, choices and default, and configs read from a
 * JSON or YAML file with the flags on top, checked by the schema itself. A bad field is a
 * `UsageError` (exit code 2) that names it and its flag, says what is allowed and what was given,
 * and suggests the field a typo meant. Nothing here knows any experiment by name.
 */
import { readFileSync } from 'node:fs';
import {
  checkConfig,
  type ExperimentDefinition,
  type FieldKind,
  issueLine,
  type SchemaField,
  schemaFields,
  valueText,
} from '@trainlab/runner';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './context';

export { nearest } from '@trainlab/runner';

/** One flag: its name and the config field it sets. */
export interface FlagSpec {
  flag: string;
  field: SchemaField;
}

/** The fields a flag does not set: `seed` is the global `--seed`. */
const GLOBAL_FIELDS = new Set(['seed']);

/** The flag of a config field: `dModel` → `d-model`, `init.q` → `init-q`. */
export function flagName(path: string): string {
  return path
    .split('.')
    .map((part) => part.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))
    .join('-');
}

/** The key commander stores a flag's value under: `d-model` → `dModel`. */
function attributeName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The flags of an experiment: one per config field except the global ones. */
export function flagsOf(definition: ExperimentDefinition): FlagSpec[] {
  return schemaFields(definition.schema)
    .filter((field) => !GLOBAL_FIELDS.has(field.path))
    .map((field) => ({ flag: flagName(field.path), field }));
}

function choicesOf(kind: FieldKind): readonly string[] | undefined {
  if (kind.type === 'list') return choicesOf(kind.item);
  return kind.type === 'string' ? kind.choices : undefined;
}

/** The help line of a flag: what it is, its choices, its config key and its default. */
function helpOf(f: FlagSpec): string {
  const choices = choicesOf(f.field.kind);
  const list = f.field.kind.type === 'list';
  const parts: string[] = [];
  if (choices) parts.push(`${list ? 'any of' : 'one of'} ${choices.join(', ')}`);
  else if (list) parts.push('comma-separated');
  parts.push(`config: ${f.field.path}`);
  parts.push(`default: ${f.field.default === undefined ? 'none' : valueText(f.field.default)}`);
  return `${f.field.description || f.field.path} (${parts.join('; ')})`;
}

/**
 * Adds an experiment's flags (read as text by `readConfig`) and `--config`. Help shows each flag's
 * config key and default, taken from the schema (so help cannot drift from what runs); fields a
 * flag does not set (the seed: the global `--seed`) are listed after the options.
 */
export function addConfigFlags(command: Command, definition: ExperimentDefinition): Command {
  command.option('--config <file>', 'a JSON or YAML file with any of the fields below (flags win)');
  for (const f of flagsOf(definition)) command.option(`--${f.flag} <value>`, helpOf(f));
  const only = schemaFields(definition.schema)
    .filter((field) => GLOBAL_FIELDS.has(field.path))
    .map(
      (field) =>
        `  ${field.path.padEnd(9)} ${field.description} (also --${flagName(field.path)}); default: ${valueText(field.default)}`,
    );
  if (only.length > 0)
    command.addHelpText('after', `\nConfig-file fields without a flag:\n${only.join('\n')}`);
  return command;
}

/** Reads a config file (JSON or YAML by extension, JSON also by content). */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--config: ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
}

/** A flag's text as a value of its field's kind; numbers and words only (the schema checks ranges). */
function readValue(flag: string, kind: FieldKind, text: string): unknown {
  switch (kind.type) {
    case 'number': {
      const v = Number(text);
      if (text.trim() === '' || !Number.isFinite(v))
        throw new UsageError(`--${flag} must be a number, got ${JSON.stringify(text)}`);
      return v;
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false')
        throw new UsageError(`--${flag} must be true or false, got ${JSON.stringify(text)}`);
      return text === 'true';
    case 'string':
      return text;
    case 'number-or':
      return kind.words.includes(text) ? text : readValue(flag, { type: 'number', integer: false }, text);
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
        .map((s) => readValue(flag, kind.item, s));
  }
}

function setPath(config: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = config;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    at[k] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...next } : {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}

/**
 * The config of an experiment command, every default filled in: the `--config` file, then the flags
 * on top, then `--seed`, validated by the definition's schema before any work starts. Every message
 * names the field, its flag, what is allowed and what was given.
 */
export function readConfig(
  definition: ExperimentDefinition,
  options: Record<string, unknown>,
  seed: number | undefined,
): Record<string, unknown> {
  const fromFile = options.config === undefined ? {} : readConfigFile(String(options.config));
  if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
    throw new UsageError(`--config: the file must hold an object of ${definition.id} config fields`);
  }
  const merged: Record<string, unknown> = { ...(fromFile as Record<string, unknown>) };
  const flags = flagsOf(definition);
  for (const f of flags) {
    const text = options[attributeName(f.flag)];
    if (text !== undefined) setPath(merged, f.field.path, readValue(f.flag, f.field.kind, String(text)));
  }
  if (seed !== undefined && schemaFields(definition.schema).some((f) => f.path === 'seed'))
    merged.seed = seed;
  const checked = checkConfig(definition.schema, merged);
  if (checked.ok) return checked.config as Record<string, unknown>;
  // `norms.1` is set by --norms, `init.q` by --init-q: the longest field path the issue lies under.
  const flagOf = (path: string) =>
    flags
      .filter((f) => path === f.field.path || path.startsWith(`${f.field.path}.`))
      .sort((a, b) => b.field.path.length - a.field.path.length)[0]?.flag;
  const lines = checked.issues.map((issue) => {
    const flag = issue.known ? undefined : flagOf(issue.path);
    return issueLine(issue, flag ? `${issue.path} (--${flag})` : issue.path);
  });
  throw new UsageError(`invalid ${definition.id} config:\n  - ${lines.join('\n  - ')}`);
}
