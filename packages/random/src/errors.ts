/**
 * The error of `@trainlab/random`: a bad argument, with a message naming the parameter, the allowed
 * range and the value given. `code` is always `E_INVALID_ARGUMENT`.
 */
import { TrainlabError } from './trainlabError';

export class RandomError extends TrainlabError<'E_INVALID_ARGUMENT'> {
  override readonly name = 'RandomError';

  constructor(message: string) {
    super('E_INVALID_ARGUMENT', message);
  }
}

export function invalidArgument(param: string, allowed: string, got: unknown): RandomError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  return new RandomError(`${param} must be ${allowed}, got ${shown}`);
}
