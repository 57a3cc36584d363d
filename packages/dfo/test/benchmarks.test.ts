import { resolveConfig, runExperiment } from '@trainlab/runner';
import { describe, expect, it } from 'vitest';
import {
  BENCHMARKS,
  GAMES,
  gameStationarity,
  gamesBenchmarkCells,
  gamesDefinition,
  MINIMAX_METHODS,
  moreWildBenchmarkCells,
  moreWildDefinition,
  moreWildProfile,
  quadraticGame,
  solveGame,
} from '../src/index';

describe('the min-max dispatch', () => {
  it.each(MINIMAX_METHODS)('%s reaches the saddle of the quadratic game', async (method) => {
    const game = quadraticGame();
    const r = await solveGame(game, method, { maxEvaluations: 20_000, seed: 1 });
    expect(gameStationarity(game, r.x, r.y)).toBeLessThan(1e-2);
    expect(r.evaluations).toBeLessThanOrEqual(20_000);
  });

  it('reports rounds in order and starts where it is told', async () => {
    const game = quadraticGame();
    const rounds: number[] = [];
    const firstX: number[][] = [];
    const start = { x0: Array(game.x0.length).fill(0.5), y0: Array(game.y0.length).fill(-0.5) };
    await solveGame(game, 'direct-search', {
      maxEvaluations: 500,
      start,
      onRound: (i) => {
        rounds.push(i.round);
        if (firstX.length === 0) firstX.push(Array.from(i.x));
      },
    });
    expect(rounds.length).toBeGreaterThan(3);
    expect(rounds).toEqual(rounds.map((_, k) => k + 1));
    const fromDefault: number[][] = [];
    await solveGame(game, 'direct-search', {
      maxEvaluations: 500,
      onRound: (i) => {
        if (fromDefault.length === 0) fromDefault.push(Array.from(i.x));
      },
    });
    expect(firstX[0]).not.toEqual(fromDefault[0]);
  });
});

describe('the benchmarks as cells', () => {
  it('one games cell per game and method, each row finite or NaN (diverged)', async () => {
    const cells = gamesBenchmarkCells({ budget: 300, seed: 0 });
    expect(cells.map((c) => c.key)).toEqual(
      Object.keys(GAMES).flatMap((g) => MINIMAX_METHODS.map((m) => `${g} · ${m}`)),
    );
    const [row] = await cells[0]!.run();
    expect(row!.evaluations).toBeLessThanOrEqual(300);
    expect(Number.isNaN(row!.stationarity) || row!.stationarity >= 0).toBe(true);
  });

  it('one Moré–Wild cell per solver and problem; the data profile rises with κ to at most 1', async () => {
    const config = {
      solvers: ['ds-coordinate', 'nelder-mead'],
      variant: 'smooth' as const,
      tau: 1e-3,
      budget: 5,
      seed: 0,
    };
    const cells = moreWildBenchmarkCells(config);
    expect(cells).toHaveLength(2 * 53);
    const rows = (await Promise.all(cells.slice(0, 20).map((c) => c.run()))).flat();
    const { summary } = moreWildProfile(rows, config);
    for (const solver of config.solvers) {
      const curve = summary.filter((s) => s.solver === solver).map((s) => s.solved);
      expect(curve.every((v, i) => v >= 0 && v <= 1 && (i === 0 || v >= curve[i - 1]!))).toBe(true);
    }
  });
});

describe('the benchmarks as definitions', () => {
  it('have ids, defaults and the cells of the cell functions', () => {
    expect(BENCHMARKS.map((d) => d.id)).toEqual(['games', 'more-wild']);
    const games = resolveConfig(gamesDefinition, {});
    expect(games).toEqual({ budget: 20_000, seed: 0 });
    expect(gamesDefinition.cells(games).map((c) => c.key)).toEqual(
      gamesBenchmarkCells(games).map((c) => c.key),
    );
    const wild = resolveConfig(moreWildDefinition, { budget: 5 });
    expect(wild).toEqual({
      solvers: ['direct-search', 'ds-coordinate', 'ds-probabilistic', 'nelder-mead'],
      variant: 'smooth',
      tau: 1e-3,
      budget: 5,
      seed: 0,
    });
    expect(moreWildDefinition.cells(wild)).toHaveLength(4 * 53);
  });

  it('refuse bad configs before any work, naming each field', () => {
    expect(() => resolveConfig(moreWildDefinition, { tau: 1, solvers: ['bobyqa'] })).toThrow(
      /solvers\.0: must be one of 'direct-search', 'ds-coordinate', [\s\S]*tau: must be a number in \(0, 1\), got 1/,
    );
    expect(() => resolveConfig(gamesDefinition, { budget: 5 })).toThrow(
      /budget: must be an integer from 10 to/,
    );
  });

  it('run to a summary, a figure and a reading of the claim (games: one row per method and game)', async () => {
    const r = await runExperiment(gamesDefinition, { budget: 200 });
    expect(r.rows).toHaveLength(Object.keys(GAMES).length * MINIMAX_METHODS.length);
    expect(r.summary).toBe(r.rows);
    expect((r.figure.data as { values: unknown[] }).values).toHaveLength(r.rows.length);
    const finding = gamesDefinition.reproduce!.finding(r);
    expect(finding.reading).toMatch(
      /Direct search ends at least as stationary as zeroth-order GDA on \d of \d games/,
    );
    expect(typeof finding.agrees).toBe('boolean');
  });
});
