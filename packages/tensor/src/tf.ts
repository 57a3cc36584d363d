/**
 * The single TensorFlow.js instance of trainlab. `@tensorflow/tfjs` (rather than tfjs-core alone)
 * is imported because only it registers the gradient functions; every trainlab package uses
 * TensorFlow.js through this module so that a workspace holds one engine and one registry.
 */
import * as tf from '@tensorflow/tfjs';

export type { Rank, Tensor, Tensor1D, Tensor2D, Tensor3D, TensorContainer, Variable } from '@tensorflow/tfjs';
export { tf };
