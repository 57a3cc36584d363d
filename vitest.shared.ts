import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Shared Vitest settings: tests run against each package's TypeScript sources through the
 * `@trainlab/source` export condition, so no sibling package has to be built first.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@trainlab/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@trainlab/source', ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
