/**
 * Config schemas: the zod building blocks every experiment's schema is made of (ranges with one
 * message for every way a value can miss them, non-empty lists, the first seed), the walk over a
 * schema's fields that front ends derive their flags, help and reference pages from, and the
 * validation that names every bad field (and the field a typo meant) before any work starts.
 */
import { z } from 'zod';
import { RunnerError } from './errors';

/** The largest first seed a config accepts. */
export const MAX_SEED = 2 ** 31 - 1;

/** An integer in [min, max]; every way of missing it gets the same message. */
export function int(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A finite number in [min, max]. */
export function num(min: number, max: number) {
  const error = `must be a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
}

/** One of a few strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => `'${v}'`).join(', ')}` });
}

/** A non-empty list of `item`. */
export function nonEmpty<T extends z.ZodType>(item: T) {
  return z.array(item, { error: 'must be a list' }).min(1, { error: 'must be a non-empty list' });
}

/** The `seed` field every experiment has: the first seed; a run uses seed, seed + 1, … */
export function seedField() {
  return int(0, MAX_SEED).default(0).describe('the first seed; a run uses seed, seed + 1, …');
}

/** How a field's value is written as text (a flag): what the front ends parse. */
export type FieldKind =
  | { type: 'number'; integer: boolean }
  | { type: 'boolean' }
  | { type: 'string'; choices?: readonly string[] }
  /** A number or one of a few words (a residual scale: `1` or `inv-sqrt-depth`). */
  | { type: 'number-or'; words: readonly string[] }
  | { type: 'list'; item: Exclude<FieldKind, { type: 'list' }> };

/** One leaf field of a config schema, as front ends show it. */
export interface SchemaField {
  /** Dotted path: `depth`, `init.q`. */
  path: string;
  kind: FieldKind;
  /** What `.describe()` says of it. */
  description: string;
  /** The default, when the schema has one. */
  default?: unknown;
  /** Whether the config must hold it (no default, not optional). */
  required: boolean;
}

type Def = { type: string; [key: string]: unknown };
const defOf = (t: z.ZodType): Def => (t as unknown as { _zod: { def: Def } })._zod.def;

/** Strips optional/default/nullable wrappers, keeping the outermost description and default. */
function unwrap(type: z.ZodType): {
  inner: z.ZodType;
  description: string | undefined;
  default: unknown;
  optional: boolean;
} {
  let t = type;
  let description = t.description;
  let fallback: unknown;
  let optional = false;
  for (;;) {
    const def = defOf(t);
    if (def.type === 'default' || def.type === 'prefault') {
      const value = def.defaultValue;
      fallback ??= typeof value === 'function' ? (value as () => unknown)() : value;
      optional = true;
    } else if (def.type === 'optional') optional = true;
    else if (def.type !== 'nullable') break;
    t = def.innerType as z.ZodType;
    description ??= t.description;
  }
  return { inner: t, description, default: fallback, optional };
}

function kindOf(type: z.ZodType, path: string): FieldKind {
  const def = defOf(type);
  switch (def.type) {
    case 'number':
      return { type: 'number', integer: (type as z.ZodNumber).isInt === true };
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string' };
    case 'enum':
      return { type: 'string', choices: (type as z.ZodEnum).options as string[] };
    case 'literal':
      return { type: 'string', choices: (def.values as unknown[]).map(String) };
    case 'union': {
      const options = (def.options as z.ZodType[]).map((o) => kindOf(unwrap(o).inner, path));
      const words = options.flatMap((o) => (o.type === 'string' ? (o.choices ?? []) : []));
      if (options.some((o) => o.type === 'number') && options.every((o) => o.type !== 'list'))
        return { type: 'number-or', words };
      if (options.every((o) => o.type === 'string')) return { type: 'string', choices: words };
      break;
    }
    case 'array': {
      const item = kindOf(unwrap(def.element as z.ZodType).inner, path);
      if (item.type !== 'list') return { type: 'list', item };
      break;
    }
  }
  throw new Error(
    `config field ${path}: a ${def.type} field has no text form (schemas hold numbers, words, lists)`,
  );
}

/** The leaf fields of an object schema, nested objects flattened to dotted paths, in schema order. */
export function schemaFields(schema: z.ZodType): SchemaField[] {
  const out: SchemaField[] = [];
  const walk = (type: z.ZodType, prefix: string, parentOptional: boolean) => {
    const u = unwrap(type);
    if (defOf(u.inner).type === 'object') {
      const shape = (u.inner as z.ZodObject).shape as Record<string, z.ZodType>;
      for (const [k, v] of Object.entries(shape))
        walk(v, prefix ? `${prefix}.${k}` : k, parentOptional || u.optional);
      return;
    }
    out.push({
      path: prefix,
      kind: kindOf(u.inner, prefix),
      description: u.description ?? '',
      ...(u.default === undefined ? {} : { default: u.default }),
      required: !(u.optional || parentOptional),
    });
  };
  walk(schema, '', false);
  return out;
}

/** A config value as one would type it on a command line: lists comma-separated. */
export function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.map(valueText).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Edit distance, for "did you mean". */
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

/** The closest known name, if it is close enough to be a typo of `name`. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** One problem with a config: the field's dotted path, what is wrong, and the value given. */
export interface ConfigIssue {
  path: string;
  message: string;
  /** The value given at `path` (absent for an unknown or missing field). */
  given?: unknown;
  /** Present for an unknown field: the known fields at that level. */
  known?: string[];
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    value,
  );
}

function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let t = unwrap(schema).inner;
  for (const k of path) {
    if (defOf(t).type !== 'object') return [];
    t = unwrap((t as z.ZodObject).shape[k as string] as z.ZodType).inner;
  }
  return defOf(t).type === 'object' ? Object.keys((t as z.ZodObject).shape) : [];
}

/** Validates `input`: the parsed config (defaults filled in), or every problem with it. */
export function checkConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; config: z.output<S> } | { ok: false; issues: ConfigIssue[] } {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  const issues = parsed.error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const near = nearest(key, known);
        return {
          path: [...issue.path, key].join('.'),
          message: `unknown field${near ? ` (did you mean ${near}?)` : ''}`,
          known,
        };
      });
    }
    const given = at(input, issue.path);
    const message = given === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
    return [{ path: issue.path.join('.') || '(config)', message, ...(given === undefined ? {} : { given }) }];
  });
  return { ok: false, issues };
}

/** One line per issue: `depth: must be an integer from 1 to 1024, got 0`. */
export function issueLine(issue: ConfigIssue, label: string = issue.path): string {
  const given =
    issue.given === undefined ? '' : `, got ${JSON.stringify(issue.given) ?? String(issue.given)}`;
  const known = issue.known ? `; known: ${issue.known.join(', ')}` : '';
  return `${label}: ${issue.message}${given}${known}`;
}

/**
 * The config of experiment `id` with every default filled in; throws `RunnerError('E_CONFIG')`
 * naming every bad field (what is allowed, what was given) before any work starts.
 */
export function parseConfig<S extends z.ZodType>(id: string, schema: S, input: unknown): z.output<S> {
  const checked = checkConfig(schema, input);
  if (checked.ok) return checked.config;
  const n = checked.issues.length;
  throw new RunnerError(
    'E_CONFIG',
    `invalid ${id} config${n > 1 ? ` (${n} problems)` : ''}:\n  - ${checked.issues.map((i) => issueLine(i)).join('\n  - ')}`,
  );
}
