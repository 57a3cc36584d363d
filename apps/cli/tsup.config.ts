import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';

// An executable, not a library: ESM, no declarations. worker.js runs cells on worker threads.
export default defineConfig(tsupConfig(['src/cli.ts', 'src/worker.ts'], { format: ['esm'], dts: false }));
