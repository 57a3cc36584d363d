/** The run store keys cells by config and by the code that computes them: a changed experiment never serves old cells. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gamesDefinition } from '@trainlab/dfo';
import { runCells } from '@trainlab/runner';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Context } from '../src/context';
import { runExperiment, storedSweep } from '../src/experiments';
import { openStore, scopeOf } from '../src/store';

const code = (version: number, owner = '@trainlab/diagnostics@1.2.0') => ({ version, owner });

describe('scopes', () => {
  it('change with the config, the experiment version and the owning package version, not with key order', () => {
    const a = scopeOf('tokenCosine', { depth: 4, n: 8 }, code(1));
    expect(scopeOf('tokenCosine', { n: 8, depth: 4 }, code(1)).configHash).toBe(a.configHash);
    expect(scopeOf('tokenCosine', { depth: 5, n: 8 }, code(1)).configHash).not.toBe(a.configHash);
    expect(scopeOf('tokenCosine', { depth: 4, n: 8 }, code(2)).configHash).not.toBe(a.configHash);
    expect(
      scopeOf('tokenCosine', { depth: 4, n: 8 }, code(1, '@trainlab/diagnostics@1.3.0')).configHash,
    ).not.toBe(a.configHash);
  });
});

describe('a sweep through the store', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('recomputes every cell when the experiment’s version is bumped, and says why', async () => {
    const out = mkdtempSync(join(tmpdir(), 'trainlab-store-'));
    const store = openStore(join(out, 'runs.sqlite'));
    const ctx = new Context({ out }, out);
    const config = { cells: 3 };
    let computed = 0;
    const sweep = (version: number) =>
      storedSweep(
        ctx,
        store,
        scopeOf('example', config, code(version)),
        config,
        'example',
        (options) =>
          runCells(
            'example',
            ['a', 'b', 'c'].map((key) => ({ key, run: () => [{ key, value: ++computed }] })),
            options as never,
          ),
        'js',
      );
    const logged: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      logged.push(String(chunk));
      return true;
    });
    expect((await sweep(1)).counts).toMatchObject({ computed: 3, reused: 0 });
    expect((await sweep(1)).counts).toMatchObject({ computed: 0, reused: 3 });
    expect(logged.join('')).not.toMatch(/other code/);
    const bumped = await sweep(2);
    expect(bumped.counts).toMatchObject({ computed: 3, reused: 0 });
    expect(computed).toBe(6);
    expect(logged.join('')).toMatch(
      /example: 3 stored cells of this config came from other code \(@trainlab\/diagnostics@[\d.]+, example v1; now @trainlab\/diagnostics@1\.2\.0, example v2\): computing anew/,
    );
    store.close();
  });
});

describe('an experiment through the store', () => {
  it('is read back on a rerun, and computed anew once its definition’s version is bumped', async () => {
    const out = mkdtempSync(join(tmpdir(), 'trainlab-store-'));
    const store = openStore(join(out, 'runs.sqlite'));
    const ctx = new Context({ out, quiet: true }, out);
    const config = { budget: 40, seed: 0 };
    const first = await runExperiment(ctx, store, gamesDefinition, config);
    expect(first.counts.computed).toBe(first.result.rows.length);
    const again = await runExperiment(ctx, store, gamesDefinition, config);
    expect(again.counts).toMatchObject({ computed: 0, reused: first.counts.computed });
    expect(again.result.rows).toEqual(first.result.rows);
    const bumped = { ...gamesDefinition, version: gamesDefinition.version + 1 };
    const after = await runExperiment(ctx, store, bumped, config);
    expect(after.counts).toMatchObject({ computed: first.counts.computed, reused: 0 });
    expect(after.result.rows).toEqual(first.result.rows);
    store.close();
  });
});
