import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';

// The two builds below run at the same time, so neither cleans: the folder is emptied once, here.
rmSync('dist', { recursive: true, force: true });

export default defineConfig([
  tsupConfig(['src/index.ts', 'src/testing.ts', 'src/bench.ts'], { clean: false }),
  // The `browser` condition's bundle: the same entry with the browser's backend list
  // (webgl → wasm → cpu) in place of Node's, so no browser bundle references tfjs-node.
  tsupConfig(['src/index.ts'], {
    format: ['esm'],
    dts: false,
    clean: false,
    outDir: 'dist/browser',
    platform: 'browser',
    target: 'es2022',
    esbuildPlugins: [
      {
        name: 'browser-platform',
        setup(build) {
          build.onResolve({ filter: /^\.\/platform$/ }, (args) => ({
            path: resolve(args.resolveDir, 'platform.browser.ts'),
          }));
        },
      },
    ],
  }),
]);
