/**
 * Small sequence tasks generated from a seed, shipped with the code (no downloads): algorithmic
 * ones (copy, reverse, sort) and a toy translation (a tiny grammar mapped to a second vocabulary
 * with reordering). Every task is per-position classification of equal-length sequences, which an
 * encoder-only transformer with an output head learns: the target at position i depends on other
 * positions, so attention has to route information (except for copy).
 */
import { Rng, type Seed } from '@trainlab/tensor';
import { invalid } from './errors';

/** The synthetic tasks `makeTask` can build. */
export type TaskName = 'copy' | 'reverse' | 'sort' | 'translate';
/** Every task name `makeTask` accepts. */
export const TASK_NAMES: readonly TaskName[] = ['copy', 'reverse', 'sort', 'translate'];

/** A dataset split: `inputs[i]` and `targets[i]` are sequences of `length` token ids. */
export interface Split {
  inputs: number[][];
  targets: number[][];
}

/** A synthetic sequence task: its name and seeded, disjoint train and validation splits. */
export interface Task {
  name: TaskName;
  /** Input vocabulary size. */
  vocabSize: number;
  /** Output classes. */
  outputs: number;
  /** Sequence length. */
  length: number;
  train: Split;
  validation: Split;
  /** Human-readable rendering of a sequence (for logs). */
  show(ids: readonly number[], side: 'input' | 'target'): string;
}

/** Options of `makeTask`: sizes, vocabulary and seed. */
export interface TaskOptions {
  /** Sequence length (algorithmic tasks). @defaultValue 8 */
  length?: number;
  /** Symbols for the algorithmic tasks. @defaultValue 10 */
  symbols?: number;
  /** Training examples. @defaultValue 2000 */
  trainSize?: number;
  /** Validation examples (disjoint from training). @defaultValue 500 */
  validationSize?: number;
  /** @defaultValue 0 */
  seed?: Seed;
}

// The toy grammar: sentence = subject verb object, each noun phrase = [adjective] noun. The target
// language puts adjectives after nouns and the verb last (SOV), and uses its own words.
const NOUNS = ['cat', 'dog', 'bird', 'fish', 'fox', 'owl'];
const ADJECTIVES = ['red', 'big', 'old', 'shy'];
const VERBS = ['sees', 'likes', 'chases', 'feeds'];
const PAD = 'PAD';
const SOURCE_WORDS = [PAD, ...NOUNS, ...ADJECTIVES, ...VERBS];
const TARGET_WORDS = [
  PAD,
  ...NOUNS.map((w) => `${w}ə`),
  ...ADJECTIVES.map((w) => `${w}ə`),
  ...VERBS.map((w) => `${w}ə`),
];
const TRANSLATE_LENGTH = 7; // adj noun verb adj noun, padded to 7

/** Generates a task's training and validation splits from a seed (validation sequences never occur in training). */
export function makeTask(name: TaskName, options: TaskOptions = {}): Task {
  if (!TASK_NAMES.includes(name)) throw invalid('task', `one of ${TASK_NAMES.join(', ')}`, name);
  const length = options.length ?? 8;
  const symbols = options.symbols ?? 10;
  const trainSize = options.trainSize ?? 2000;
  const validationSize = options.validationSize ?? 500;
  for (const [key, value, min] of [
    ['length', length, 2],
    ['symbols', symbols, 2],
    ['trainSize', trainSize, 1],
    ['validationSize', validationSize, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min || value > 1_000_000) {
      throw invalid(`options.${key}`, `an integer from ${min} to 1000000`, value);
    }
  }
  const rng = new Rng(options.seed ?? 0).fork(`task/${name}`);
  const sample =
    name === 'translate' ? () => sentence(rng) : () => Array.from({ length }, () => rng.int(symbols));
  const label = (x: number[]): number[] => {
    switch (name) {
      case 'copy':
        return [...x];
      case 'reverse':
        return [...x].reverse();
      case 'sort':
        return [...x].sort((a, b) => a - b);
      case 'translate':
        return translate(x);
    }
  };
  const seen = new Set<string>();
  const split = (size: number): Split => {
    const inputs: number[][] = [];
    let attempts = 0;
    while (inputs.length < size && attempts < 50 * size) {
      attempts++;
      const x = sample();
      const key = x.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      inputs.push(x);
    }
    if (inputs.length < size) {
      throw invalid(
        'options',
        `sizes the task can fill with distinct sequences (${name} has ${seen.size})`,
        size,
      );
    }
    return { inputs, targets: inputs.map(label) };
  };
  const train = split(trainSize);
  const validation = split(validationSize);
  const isTranslate = name === 'translate';
  return {
    name,
    ...taskShape(name, { length, symbols }),
    train,
    validation,
    show: (ids, side) =>
      isTranslate
        ? ids
            .map((i) => (side === 'input' ? SOURCE_WORDS : TARGET_WORDS)[i])
            .filter((w) => w !== PAD && w !== undefined)
            .join(' ')
        : ids.join(' '),
  };
}

function pick(rng: Rng, words: readonly string[]): number {
  return SOURCE_WORDS.indexOf(words[rng.int(words.length)]!);
}

/** [adj] noun verb [adj] noun, padded to TRANSLATE_LENGTH. */
function sentence(rng: Rng): number[] {
  const phrase = () =>
    rng.nextFloat() < 0.5 ? [pick(rng, ADJECTIVES), pick(rng, NOUNS)] : [pick(rng, NOUNS)];
  const words = [...phrase(), pick(rng, VERBS), ...phrase()];
  return [...words, ...new Array(TRANSLATE_LENGTH - words.length).fill(0)];
}

/** Source ids → target ids: noun phrases become noun-then-adjective, the verb moves last, words map one to one. */
function translate(x: number[]): number[] {
  const words = x.filter((id) => id !== 0);
  const isVerb = (id: number) => VERBS.includes(SOURCE_WORDS[id]!);
  const v = words.findIndex(isVerb);
  const flip = (p: number[]) => (p.length === 2 ? [p[1]!, p[0]!] : p);
  const out = [...flip(words.slice(0, v)), ...flip(words.slice(v + 1)), words[v]!];
  // Target ids mirror source ids (the same position in the word lists); padding is not scored.
  return [...out, ...new Array(TRANSLATE_LENGTH - out.length).fill(-1)]; // −1: padding, ignored by the loss
}

/**
 * A task's sizes (input vocabulary, output classes, sequence length) without making its data: what
 * a model for it needs (e.g. to estimate its memory before anything runs).
 */
export function taskShape(
  name: TaskName,
  options: { length: number; symbols: number },
): { vocabSize: number; outputs: number; length: number } {
  const isTranslate = name === 'translate';
  return {
    vocabSize: isTranslate ? SOURCE_WORDS.length : options.symbols,
    outputs: isTranslate ? TARGET_WORDS.length : options.symbols,
    length: isTranslate ? TRANSLATE_LENGTH : options.length,
  };
}
