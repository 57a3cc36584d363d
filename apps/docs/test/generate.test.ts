/** The checks of the site generation: README link rewriting, and the "every export has TSDoc" rule. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Application } from 'typedoc';
import { describe, expect, it } from 'vitest';
import { rewriteLinks, undocumented } from '../scripts/checks';

describe('rewriteLinks', () => {
  it('points package folders at their guides, the root README home, the theory notes at /theory, the rest at GitHub', () => {
    const md = [
      'see [the repo](../../README.md), [attention](../attention), [cli](../../apps/cli/),',
      '[theory](docs/theory.md#3-gradients), [a test](./test/theory.test.ts), [paper](https://arxiv.org/abs/1),',
      '[here](#usage), [site](/guide/)',
    ].join('\n');
    expect(rewriteLinks(md, 'packages/diagnostics')).toBe(
      [
        'see [the repo](/), [attention](/guide/attention), [cli](/guide/cli),',
        '[theory](/theory#3-gradients), [a test](https://github.com/trainlab/trainlab/blob/main/packages/diagnostics/test/theory.test.ts), [paper](https://arxiv.org/abs/1),',
        '[here](#usage), [site](/guide/)',
      ].join('\n'),
    );
  });
});

describe('undocumented', () => {
  it('names every exported declaration and public class member without TSDoc, and nothing documented', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainlab-tsdoc-'));
    writeFileSync(
      join(dir, 'index.ts'),
      `
/** Documented. */
export function documented(): number { return 1; }
export function bare(): number { return 2; }
/** Documented. */
export interface Fine { a: number }
export interface Naked { a: number }
export type Alias = string;
export const VALUE = 3;
/** Documented. */
export class Thing {
  /** Documented. */
  ok(): void {}
  missing(): void {}
  private hidden(): void {}
}
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext' },
        include: ['index.ts'],
      }),
    );
    const app = await Application.bootstrap({
      entryPoints: [join(dir, 'index.ts')],
      tsconfig: join(dir, 'tsconfig.json'),
      logLevel: 'None',
    });
    const project = await app.convert();
    expect(project).toBeDefined();
    const names = undocumented(project!).map((m) => m.split(' ')[0]);
    expect(names.sort()).toEqual(['Alias', 'Naked', 'Thing.missing', 'VALUE', 'bare'].sort());
  });
});
