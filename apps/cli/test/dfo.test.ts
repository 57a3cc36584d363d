/** The derivative-free commands end to end: minimize (built-in problems, JS and TS modules, worker threads), minimax, bench. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainlab } from './run';

const tmp = () => mkdtempSync(join(tmpdir(), 'trainlab-dfo-'));

describe('trainlab dfo', () => {
  it('dfo: minimizes a built-in problem and a user module, solves a game, runs the benchmark', () => {
    const problem = trainlab(['dfo', 'minimize', '--problem', '1', '--json', '--quiet']);
    expect(problem.code, problem.stderr).toBe(0);
    expect(JSON.parse(problem.stdout).value).toBeCloseTo(36, 3); // linear full rank: f* = m − n = 45 − 9

    const dir = tmp();
    const mod = join(dir, 'objective.mjs');
    writeFileSync(
      mod,
      'export const x0 = [3, -2];\nexport default (x) => (x[0] - 1) ** 2 + 10 * (x[1] + 0.5) ** 2;\n',
    );
    const user = trainlab(['dfo', 'minimize', '--module', mod, '--poll-set', 'probabilistic', '--json']);
    expect(user.code, user.stderr).toBe(0);
    const x = JSON.parse(user.stdout).x as number[];
    expect(x[0]).toBeCloseTo(1, 4);
    expect(x[1]).toBeCloseTo(-0.5, 4);
    // The same objective with its polls on 2 worker threads: the iterates of serial complete polling.
    const pooled = trainlab(['dfo', 'minimize', '--module', mod, '--workers', '2', '--json']);
    expect(pooled.code, pooled.stderr).toBe(0);
    expect(JSON.parse(pooled.stdout).workers).toBe(2);
    expect((JSON.parse(pooled.stdout).x as number[])[0]).toBeCloseTo(1, 4);

    const game = trainlab(['dfo', 'minimax', '--game', 'quadratic', '--json']);
    expect(game.code, game.stderr).toBe(0);
    expect(JSON.parse(game.stdout).stationarity).toBeLessThan(1e-5);

    const bench = trainlab([
      'dfo',
      'bench',
      '--solvers',
      'ds-probabilistic,nelder-mead',
      '--budget',
      '10',
      '--out',
      dir,
      '--json',
    ]);
    expect(bench.code, bench.stderr).toBe(0);
    const b = JSON.parse(bench.stdout) as {
      digest: { solver: string; solved: number }[];
      counts: { computed: number };
    };
    expect(b.counts.computed).toBe(2 * 53);
    expect(b.digest.map((f) => f.solver)).toEqual(['ds-probabilistic', 'nelder-mead']);
    for (const f of b.digest) expect(f.solved).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'figures', 'more-wild.png'))).toBe(true);
  });

  it('dfo minimize loads a TypeScript objective', () => {
    const dir = tmp();
    const mod = join(dir, 'objective.ts');
    writeFileSync(
      mod,
      'export const x0: number[] = [0, 0];\nexport function objective(x: Float64Array): number {\n  return (x[0]! + 2) ** 2 + (x[1]! - 3) ** 2;\n}\n',
    );
    const r = trainlab(['dfo', 'minimize', '--module', mod, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const x = JSON.parse(r.stdout).x as number[];
    expect(x[0]).toBeCloseTo(-2, 4);
    expect(x[1]).toBeCloseTo(3, 4);
    const missing = trainlab(['dfo', 'minimize', '--module', mod, '--export', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/must export a function named "nope"; exports: objective, x0/);
  });
});
