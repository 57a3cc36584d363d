/**
 * @trainlab/tensor — the TensorFlow.js core of trainlab: backend choice, seeded randomness,
 * initializers, memory scopes, fast matrix products and the linear algebra tfjs lacks.
 *
 * @module @trainlab/tensor
 */

// Seeded randomness lives in the dependency-free @trainlab/random (shared with @trainlab/dfo).
export type { ErrorKind, Seed } from '@trainlab/random';
export { isUserError, RandomError, Rng, TrainlabError } from '@trainlab/random';
export type {
  BackendInfo,
  BackendLoader,
  BackendName,
  BackendRequest,
  InitBackendOptions,
  MemoryLimit,
  SkippedBackend,
} from './backend';
export {
  BACKEND_ENV_VAR,
  BACKEND_PREFERENCE,
  currentBackend,
  engineFailure,
  initBackend,
  memoryLimit,
  WASM_HEAP_LIMIT_BYTES,
} from './backend';
export type { TensorErrorCode } from './errors';
export { TensorError } from './errors';
export type { FloatDtype, InitSpec } from './init';
export { fans, initialize, initVariance, normalFanIn } from './init';
export type { MatrixInput } from './linalg';
export { singularValues, symmetricEigenvalues } from './linalg';
export type { MatmulOptions } from './matmul';
export {
  batchMatMulGradient,
  matmul,
  registerFastGradients,
  stockBatchMatMulGradient,
  transposeLast,
  unregisterFastGradients,
} from './matmul';
export { disposeAll, liveTensors, tidyAsync } from './memory';
export type { Rank, Tensor, Tensor1D, Tensor2D, Tensor3D, TensorContainer, Variable } from './tf';
export { tf } from './tf';
