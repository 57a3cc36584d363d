/**
 * Experiment configs from flags and config files (JSON or YAML), validated with the command's zod
 * schema and then by the runner's own resolver: a bad field is a `UsageError` (exit code 2) that
 * names it and its flag, says what is allowed and what was given, and suggests the field a typo
 * meant. Also what `--help` says of each flag: its config key and its default.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from './context';

/** One flag: its name, the config key it sets (`a.b` for a nested field) and how its text is read. */
export interface FlagSpec {
  flag: string;
  key: string;
  kind: 'int' | 'number' | 'ints' | 'numbers' | 'strings' | 'bools' | 'scales' | 'string';
  help: string;
  /** The default as help shows it, where the resolved config does not hold it. */
  defaultText?: string;
}

/** A diagnostics runner's config resolver: fills in every default, throws `E_CONFIG` on a bad field. */
// biome-ignore lint/suspicious/noExplicitAny: each runner has its own config type
export type Resolver = (config: any) => object;

/** A config value as one would type it on the command line: lists comma-separated. */
export function flagText(value: unknown): string {
  if (Array.isArray(value)) return value.map(flagText).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The value at a dotted path (`init.q`) of a config. */
function getPath(config: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
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

/** The schema's fields (nested objects as `a.b`) that no flag sets: config-file only. */
function configOnlyFields(schema: z.ZodType, flags: readonly FlagSpec[]): string[] {
  const out: string[] = [];
  const walk = (type: z.ZodType, prefix: string) => {
    let t: z.ZodType = type;
    while (t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
    if (t instanceof z.ZodObject) {
      for (const [k, v] of Object.entries(t.shape)) walk(v as z.ZodType, prefix ? `${prefix}.${k}` : k);
    } else if (!flags.some((f) => f.key === prefix)) out.push(prefix);
  };
  walk(schema, '');
  return out;
}

/**
 * Adds a command's flags (as text, read by `readConfig`) and `--config`. Each flag's help names its
 * config-file key and its default, taken from the runner's own resolved config (so help cannot
 * drift from what runs); fields that only a config file can set are listed after the options.
 */
export function addConfigFlags(
  command: Command,
  flags: readonly FlagSpec[],
  schema: z.ZodType,
  resolve: Resolver,
): Command {
  const defaults = resolve({}) as Record<string, unknown>;
  command.option('--config <file>', 'a JSON or YAML file with any of the fields below (flags win)');
  for (const f of flags) {
    const value = getPath(defaults, f.key);
    const shown = f.defaultText ?? (value === undefined ? undefined : flagText(value));
    command.option(
      `--${f.flag} <value>`,
      `${f.help} (config: ${f.key}${shown === undefined ? '' : `; default: ${shown}`})`,
    );
  }
  const only = configOnlyFields(schema, flags).map((key) => {
    if (key === 'seed') return '  seed      the first seed (also --seed); default: 0';
    const value = getPath(defaults, key);
    return `  ${key.padEnd(9)} ${value === undefined ? '' : `default: ${flagText(value)}`}`;
  });
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

function readFlag(spec: FlagSpec, text: string): unknown {
  const list = () =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  const number = (s: string) => {
    const v = Number(s);
    if (s === '' || !Number.isFinite(v))
      throw new UsageError(`--${spec.flag} must be a number, got ${JSON.stringify(s)}`);
    return v;
  };
  switch (spec.kind) {
    case 'int':
    case 'number':
      return number(text);
    case 'ints':
    case 'numbers':
      return list().map(number);
    case 'strings':
      return list();
    case 'string':
      return text;
    case 'bools':
      return list().map((s) => {
        if (s !== 'true' && s !== 'false')
          throw new UsageError(`--${spec.flag} must be a list of true/false, got ${JSON.stringify(s)}`);
        return s === 'true';
      });
    case 'scales':
      return list().map((s) => (s === 'inv-sqrt-depth' ? s : number(s)));
  }
}

/** Edit distance, for "did you mean" on config keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest known name, if it is close enough to be a typo. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let t: z.ZodType = schema;
  for (const k of path) {
    while (t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
    if (!(t instanceof z.ZodObject)) return [];
    t = t.shape[k as string] as z.ZodType;
  }
  while (t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
  return t instanceof z.ZodObject ? Object.keys(t.shape) : [];
}

/**
 * The config of a command: the `--config` file, then the flags on top, then `--seed`, validated
 * against the command's schema and then by the runner's own resolver (so a value the library
 * refuses, such as heads that do not divide the width, is a usage error before any work starts).
 * Every message names the field, its flag, what is allowed and what was given.
 */
export function readConfig<T>(
  name: string,
  schema: z.ZodType<T>,
  flags: readonly FlagSpec[],
  options: Record<string, unknown>,
  seed: number | undefined,
  resolve?: Resolver,
): T {
  const fromFile = options.config === undefined ? {} : readConfigFile(String(options.config));
  if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
    throw new UsageError(`--config: the file must hold an object of ${name} config fields`);
  }
  const merged: Record<string, unknown> = { ...(fromFile as Record<string, unknown>) };
  for (const f of flags) {
    const camel = f.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const text = options[camel];
    if (text !== undefined) setPath(merged, f.key, readFlag(f, String(text)));
  }
  if (seed !== undefined && schema instanceof z.ZodObject && 'seed' in schema.shape) merged.seed = seed;
  const flagOf = (key: string) => flags.find((f) => f.key === key)?.flag;
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeys(schema, issue.path);
        return issue.keys.map((key) => {
          const path = [...issue.path, key].join('.');
          const near = nearest(key, known);
          return `${path}: unknown field${near ? ` (did you mean ${near}?)` : ''}; known: ${known.join(', ')}`;
        });
      }
      const path = issue.path.join('.') || '(config)';
      const flag = flagOf(path) ?? flagOf(String(issue.path[0]));
      const given = getPath(merged, issue.path.map(String).join('.'));
      return [
        `${path}${flag ? ` (--${flag})` : ''}: ${issue.message}${given === undefined ? '' : `, got ${JSON.stringify(given)}`}`,
      ];
    });
    throw new UsageError(`invalid ${name} config:\n  - ${lines.join('\n  - ')}`);
  }
  if (resolve) {
    try {
      resolve(parsed.data);
    } catch (error) {
      if ((error as { code?: string }).code !== 'E_CONFIG') throw error;
      // The runner's messages are "  - <field> must be …": name the flag beside each field.
      const lines = (error as Error).message
        .split('\n')
        .filter((l) => l.startsWith('  - '))
        .map((l) => {
          const field = l.slice(4).split(' ')[0]!;
          const flag = flagOf(field);
          return flag ? `${field} (--${flag})${l.slice(4 + field.length)}` : l.slice(4);
        });
      throw new UsageError(`invalid ${name} config:\n  - ${lines.join('\n  - ')}`);
    }
  }
  return parsed.data;
}
