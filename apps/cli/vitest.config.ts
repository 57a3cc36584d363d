import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

// End-to-end tests run the built binary: the global setup builds it (and what it depends on) with turbo.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: { globalSetup: ['test/global-setup.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
  }),
);
