import { defineConfig } from 'vitest/config';

/**
 * `pnpm test` at the root: every package's and app's own Vitest config, in one run. Under CI it
 * also writes a JSON report, from which `.ci/run` prints the "N passed, N failed" line.
 */
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    ...(process.env.CI
      ? { reporters: ['default', 'json'], outputFile: { json: '.ci-test-results.json' } }
      : {}),
  },
});
