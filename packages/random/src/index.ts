/**
 * @trainlab/random — seeded, splittable random streams with no dependencies, shared by
 * `@trainlab/tensor` (weights, data) and `@trainlab/dfo` (poll directions, noisy oracles).
 *
 * @module @trainlab/random
 */

export { RandomError } from './errors';
export type { Seed } from './rng';
export { Rng } from './rng';
export type { ErrorKind } from './trainlabError';
export { isUserError, TrainlabError } from './trainlabError';
