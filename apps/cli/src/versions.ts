/** Versions recorded with every stored cell. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const version = (name: string): string => {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
};

export const CLI_VERSION = (require('../package.json') as { version: string }).version;

export const VERSIONS: Record<string, string> = {
  '@trainlab/cli': CLI_VERSION,
  '@trainlab/tensor': version('@trainlab/tensor'),
  '@trainlab/attention': version('@trainlab/attention'),
  '@trainlab/diagnostics': version('@trainlab/diagnostics'),
  '@trainlab/dfo': version('@trainlab/dfo'),
  node: process.versions.node,
};
