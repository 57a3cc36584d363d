/**
 * Decompositions tfjs lacks, on the host in float64 with ml-matrix (Golub–Kahan–Reinsch SVD and
 * Householder + QL symmetric eigensolver, after JAMA). Timings for n, d up to 1024 are in
 * `bench/linalg.bench.ts`; the diagnostics call these on token matrices (n ≤ a few hundred).
 */
import { EVD, Matrix, SVD } from 'ml-matrix';
import { invalidArgument, invalidArgumentText, TensorError } from './errors';
import type { Tensor } from './tf';

/** A matrix given as a rank-2 tensor, rows of numbers, or row-major data with its shape. */
export type MatrixInput = Tensor | number[][] | { data: ArrayLike<number>; rows: number; cols: number };

function toMatrix(input: MatrixInput, param: string): Matrix {
  let m: Matrix;
  if (Array.isArray(input)) {
    if (input.length === 0 || !Array.isArray(input[0]))
      throw invalidArgument(param, 'a non-empty array of rows', input);
    const cols = input[0].length;
    const bad = input.findIndex((r) => r.length !== cols);
    if (bad >= 0) {
      throw invalidArgumentText(
        param,
        'rows of equal length',
        `row ${bad} of length ${input[bad]!.length} (row 0 has ${cols})`,
      );
    }
    m = new Matrix(input);
  } else if ('rank' in input) {
    if (input.rank !== 2)
      throw new TensorError('E_SHAPE', `${param} must be a rank-2 tensor, got shape [${input.shape}]`);
    const [rows, cols] = input.shape as [number, number];
    m = fromRowMajor(input.dataSync(), rows, cols);
  } else {
    const { data, rows, cols } = input;
    if (
      !Number.isInteger(rows) ||
      !Number.isInteger(cols) ||
      rows < 1 ||
      cols < 1 ||
      data.length !== rows * cols
    ) {
      throw invalidArgumentText(
        param,
        'row-major data of length rows·cols with rows, cols ≥ 1',
        `${data.length} values for ${rows}×${cols}`,
      );
    }
    m = fromRowMajor(data, rows, cols);
  }
  if (m.rows === 0 || m.columns === 0) {
    throw invalidArgumentText(param, 'a matrix with at least one row and column', `${m.rows}×${m.columns}`);
  }
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.columns; j++) {
      if (!Number.isFinite(m.get(i, j))) {
        throw invalidArgumentText(param, 'finite entries', `${m.get(i, j)} at [${i}, ${j}]`);
      }
    }
  }
  return m;
}

function fromRowMajor(data: ArrayLike<number>, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, data[i * cols + j]!);
  return m;
}

/**
 * The min(n, d) singular values of an n×d matrix, largest first.
 *
 * @example
 * ```ts
 * singularValues([[3, 0], [0, 4]]); // Float64Array [4, 3]
 * ```
 * @throws {TensorError} for a tensor that is not rank 2, ragged rows, or non-finite entries.
 */
export function singularValues(input: MatrixInput): Float64Array {
  const m = toMatrix(input, 'matrix');
  const svd = new SVD(m, {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  const s = Float64Array.from(svd.diagonal, (v) => Math.max(v, 0));
  return s.sort().reverse();
}

/**
 * The eigenvalues of a symmetric matrix, smallest first (like numpy's `eigvalsh`). Only the
 * symmetric part (M + Mᵀ)/2 is used.
 *
 * @throws {TensorError} when the matrix is not square, or has non-finite entries.
 */
export function symmetricEigenvalues(input: MatrixInput): Float64Array {
  const m = toMatrix(input, 'matrix');
  if (m.rows !== m.columns)
    throw new TensorError('E_SHAPE', `matrix must be square, got ${m.rows}×${m.columns}`);
  const sym = m.add(m.transpose()).div(2);
  const evd = new EVD(sym, { assumeSymmetric: true });
  return Float64Array.from(evd.realEigenvalues).sort();
}
