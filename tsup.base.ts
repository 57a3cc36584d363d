import type { Options } from 'tsup';

/**
 * The one build configuration every package shares: ESM + CJS + declarations for both,
 * dependencies never bundled (tsup keeps `dependencies`/`peerDependencies` external; the
 * `@tensorflow/*` family is listed as well so that a workspace has exactly one tfjs-core).
 */
export function tsupConfig(entry: string[], overrides: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    external: [/^@tensorflow\//, /^@trainlab\//],
    ...overrides,
  };
}
