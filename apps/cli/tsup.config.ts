import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';

// An executable, not a library: ESM, no declarations. worker.js runs cells on worker threads;
// reference.js renders the CLI reference for the documentation site.
export default defineConfig(
  tsupConfig(['src/cli.ts', 'src/worker.ts', 'src/reference.ts'], { format: ['esm'], dts: false }),
);
