import { buildQuietly } from '../../../scripts/turbo-build.mjs';

/**
 * Builds the site and the packages it bundles (a cache hit when CI has built already). A fresh
 * build takes ~80 s on 2 cores; it says so on stderr, with the time elapsed, while it runs.
 */
export default async function setup(): Promise<void> {
  await buildQuietly('@trainlab/docs...', { label: 'docs tests' });
}
