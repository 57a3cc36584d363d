import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';

// The objective worker is plain JavaScript, copied next to the bundle it is loaded from.
export default defineConfig(
  tsupConfig(['src/index.ts', 'src/workerObjective.ts', 'src/queueObjective.ts'], {
    shims: true, // import.meta.url in the CommonJS build
    onSuccess:
      "node -e \"require('node:fs').copyFileSync('src/objective-worker.mjs', 'dist/objective-worker.mjs')\"",
  }),
);
