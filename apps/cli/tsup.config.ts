import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';

// An executable, not a library: one ESM file, no declarations.
export default defineConfig(tsupConfig(['src/cli.ts'], { format: ['esm'], dts: false }));
