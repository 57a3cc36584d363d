import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

// The site tests drive the built site in Chromium: the global setup builds it (and the packages it
// bundles) with turbo, a cache hit when CI has built already.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: { globalSetup: ['test/global-setup.ts'], testTimeout: 300_000, hookTimeout: 600_000 },
  }),
);
