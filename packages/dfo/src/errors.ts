import { TrainlabError } from '@trainlab/random';
import { nearest } from '@trainlab/runner';

/** Stable codes of the errors `@trainlab/dfo` throws. Limits reached are results, never errors. */
export type DfoErrorCode = 'E_INVALID_ARGUMENT' | 'E_DIMENSION';

/**
 * A user error: bad options or inputs, caught before any evaluation. The message names the
 * parameter, what is allowed and the value given.
 */
export class DfoError extends TrainlabError<DfoErrorCode> {
  override readonly name = 'DfoError';

  constructor(code: DfoErrorCode, message: string) {
    super(code, message);
  }
}

export function invalid(param: string, allowed: string, got: unknown): DfoError {
  return new DfoError('E_INVALID_ARGUMENT', `${param} must be ${allowed}, got ${show(got)}`);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Float64Array || Array.isArray(value)) {
    const items = Array.from(value as ArrayLike<unknown>);
    return items.length > 6
      ? `[${items.slice(0, 6).join(', ')}, … (${items.length} items)]`
      : `[${items.join(', ')}]`;
  }
  return String(value);
}

/** Checks a number option: finite (or +Infinity when allowed) and within (lo, hi) with the stated ends. */
export function checkNumber(
  param: string,
  value: number,
  range: {
    min?: number;
    max?: number;
    minOpen?: boolean;
    maxOpen?: boolean;
    integer?: boolean;
    infinity?: boolean;
  },
): void {
  const { min, max, minOpen = false, maxOpen = false, integer = false, infinity = false } = range;
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (Number.isFinite(value) || (infinity && value === Number.POSITIVE_INFINITY)) &&
    (min === undefined || (minOpen ? value > min : value >= min)) &&
    (max === undefined || (maxOpen ? value < max : value <= max)) &&
    (!integer || Number.isInteger(value) || value === Number.POSITIVE_INFINITY);
  if (!ok) {
    const lo = min === undefined ? '' : `${minOpen ? '>' : '≥'} ${min}`;
    const hi = max === undefined ? '' : `${maxOpen ? '<' : '≤'} ${max}`;
    const kind = integer ? 'an integer' : infinity ? 'a number (Infinity allowed)' : 'a finite number';
    throw invalid(param, [kind, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' '), value);
  }
}

/** Copies a starting point into a Float64Array after checking that it is a finite vector. */
export function toVector(param: string, value: ArrayLike<number>, dimension?: number): Float64Array {
  if (value === null || typeof value !== 'object' || typeof value.length !== 'number' || value.length === 0) {
    throw invalid(param, 'a non-empty array of finite numbers', value);
  }
  if (dimension !== undefined && value.length !== dimension) {
    throw new DfoError('E_DIMENSION', `${param} must have length ${dimension}, got length ${value.length}`);
  }
  const out = Float64Array.from(value);
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw invalid(`${param}[${bad}]`, 'a finite number', out[bad]);
  return out;
}

/**
 * Refuses option names a solver does not know (`maxEvals` for `maxEvaluations`), naming the
 * closest known one: a misspelled option would otherwise be ignored without a word.
 */
export function checkKeys(param: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw invalid(param, 'an object of options', options);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    // A shortened name (maxEvals) is a prefix of the one meant; otherwise the closest spelling.
    const lower = key.toLowerCase();
    const near =
      known.find((k) => k.toLowerCase().startsWith(lower.slice(0, Math.max(4, lower.length - 2)))) ??
      nearest(key, known);
    throw new DfoError(
      'E_INVALID_ARGUMENT',
      `${param}.${key} is not an option${near ? ` (did you mean ${near}?)` : ''}; known: ${known.join(', ')}`,
    );
  }
}

/** The options every solver takes (`RunOptions`). */
export const RUN_KEYS = [
  'maxEvaluations',
  'maxIterations',
  'targetValue',
  'maxTimeMs',
  'signal',
  'evaluationTimeoutMs',
  'onEvaluation',
  'keepHistory',
  'seed',
] as const;

/** The options of one direct-search player (`PlayerOptions`). */
export const PLAYER_KEYS = [
  'pollSet',
  'probabilisticDirections',
  'forcingFunction',
  'expansion',
  'contraction',
  'initialStep',
  'minStep',
  'maxStep',
  'polling',
  'ordering',
] as const;
