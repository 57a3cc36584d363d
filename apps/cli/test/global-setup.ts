import { buildQuietly } from '../../../scripts/turbo-build.mjs';

/** Builds the CLI and its workspace dependencies (a cache hit when CI has built already). */
export default async function setup(): Promise<void> {
  await buildQuietly('@trainlab/cli...', { label: 'cli tests' });
}
