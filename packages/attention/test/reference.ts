/**
 * The tests' float64 reference: the library's own float64 path (`src/float64.ts`), under the names
 * the tests use.
 */
export {
  centralDifferences as finiteDifferences,
  type Float64Input as RefInput,
  type Float64Weights as Weights,
  referenceForward as refForward,
} from '../src/float64';
