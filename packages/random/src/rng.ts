/**
 * Seeded, splittable randomness. A stream is named by the root seed and a path of names
 * (`root.fork('blocks.3.attn.wq')`); its numbers depend on nothing else, so adding a layer never
 * changes another layer's initial weights (the idea of JAX's `fold_in`). Numbers are drawn on the
 * host in float64 and are the same on every backend and platform.
 */
import { invalidArgument } from './errors';

/** What a seed may be: a safe integer or a string. */
export type Seed = number | string;

/** 32-bit mixing of a string into a running hash (murmur3's finalizer on each char). */
function mixString(h: number, text: string): number {
  let x = h;
  for (let i = 0; i < text.length; i++) {
    x = Math.imul(x ^ text.charCodeAt(i), 0x5bd1e995);
    x ^= x >>> 15;
  }
  return fmix32(x ^ text.length);
}

function fmix32(h0: number): number {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** splitmix32: expands one 32-bit value into a well-mixed sequence, used to fill xoshiro's state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

function checkSeed(seed: Seed): void {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw invalidArgument('seed', 'a safe integer or a string', seed);
  }
  if (typeof seed !== 'number' && typeof seed !== 'string') {
    throw invalidArgument('seed', 'a safe integer or a string', seed);
  }
}

/**
 * A seeded random stream (xoshiro128**, 2¹²⁸ − 1 period) that can fork named child streams.
 *
 * @example
 * ```ts
 * const root = new Rng(42);
 * const wq = root.fork('blocks.0.attn.wq').normal(16); // same 16 numbers for seed 42, always
 * ```
 */
export class Rng {
  /** The root seed this stream descends from. */
  readonly seed: Seed;
  /** The names from the root to this stream (`[]` for the root). */
  readonly path: readonly string[];
  private readonly s = new Uint32Array(4);
  private spareNormal: number | undefined;

  constructor(seed: Seed, path: readonly string[] = []) {
    checkSeed(seed);
    this.seed = seed;
    this.path = path;
    let h = mixString(0x1b873593, typeof seed === 'number' ? `n:${seed}` : `s:${seed}`);
    for (const name of path) h = mixString(h ^ 0x9e3779b9, name);
    const next = splitmix32(h);
    for (let i = 0; i < 4; i++) this.s[i] = next();
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** A child stream named `name` (dots allowed); it depends only on the seed and the full path. */
  fork(name: string): Rng {
    if (typeof name !== 'string' || name.length === 0)
      throw invalidArgument('name', 'a non-empty string', name);
    return new Rng(this.seed, [...this.path, name]);
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const st = this.s;
    let s0 = st[0]!;
    let s1 = st[1]!;
    let s2 = st[2]!;
    let s3 = st[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
    return result;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal number (Box–Muller, both values used). */
  nextNormal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** `count` uniform numbers in [low, high). */
  uniform(count: number, low = 0, high = 1): Float64Array {
    checkCount(count);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = low + (high - low) * this.nextFloat();
    return out;
  }

  /** `count` normal numbers with the given mean and standard deviation. */
  normal(count: number, mean = 0, std = 1): Float64Array {
    checkCount(count);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = mean + std * this.nextNormal();
    return out;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw invalidArgument('n', 'an integer in [1, 2³²]', n);
    return Math.floor(this.nextFloat() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) throw invalidArgument('count', 'an integer ≥ 0', count);
}
