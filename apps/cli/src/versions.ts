/** Versions recorded with every stored cell and in the report. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const version = (name: string, from: NodeJS.Require = require): string => {
  try {
    return (from(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
};

export const CLI_VERSION = (require('../package.json') as { version: string }).version;

/** `@trainlab/random` is not a dependency of the CLI itself: it is found from the tensor package. */
const fromTensor = (() => {
  try {
    return createRequire(require.resolve('@trainlab/tensor/package.json'));
  } catch {
    return require;
  }
})();

export const VERSIONS: Record<string, string> = {
  '@trainlab/cli': CLI_VERSION,
  '@trainlab/random': version('@trainlab/random', fromTensor),
  '@trainlab/tensor': version('@trainlab/tensor'),
  '@trainlab/attention': version('@trainlab/attention'),
  '@trainlab/diagnostics': version('@trainlab/diagnostics'),
  '@trainlab/dfo': version('@trainlab/dfo'),
  node: process.versions.node,
};
