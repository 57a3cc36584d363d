import { defineConfig } from 'vitest/config';

/** `pnpm test` at the root: every package's and app's own Vitest config, in one run. */
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
