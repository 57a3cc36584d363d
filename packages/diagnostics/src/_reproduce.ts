/** The sizes `reproduce` runs the at-initialization experiments at: minutes on 2 cores, or seconds (`quick`). */
export function reproduceSize(quick: boolean): { dModel: number; n: number; seeds: number } {
  return quick ? { dModel: 64, n: 16, seeds: 2 } : { dModel: 256, n: 32, seeds: 3 };
}

/** The depth of the per-layer experiments in `reproduce`. */
export function reproduceDepth(quick: boolean): number {
  return quick ? 12 : 24;
}

/** The training runs `reproduce` makes (full size only: minutes on 2 cores): a small model on 'reverse'. */
export function reproduceTraining(seed: number) {
  return {
    seed,
    seeds: 2,
    steps: 200,
    evalEvery: 25,
    task: 'reverse',
    length: 6,
    symbols: 8,
    dModel: 32,
  } as const;
}
