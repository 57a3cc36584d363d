import { describe, expect, it } from 'vitest';
import {
  DfoError,
  GAMES,
  gameOracle,
  gradientDescentAscent,
  iterateMinimax,
  minimax,
  nonconvexPLGame,
  quadraticGame,
  type RoundInfo,
  robustLeastSquaresGame,
  robustPolynomialGame,
  twoSidedPLGame,
  zerothOrderGDA,
} from '../src/index';

const dist = (a: Float64Array, b: Float64Array) => Math.hypot(...a.map((v, i) => v - b[i]!));
const norm = (a: Float64Array) => Math.hypot(...a);

describe('minimax (the paper’s alternating direct search)', () => {
  it('reaches the saddle point of the strongly-convex–strongly-concave quadratic game', async () => {
    for (const seed of [0, 1, 2]) {
      const g = quadraticGame({ n: 3, m: 2, seed });
      const r = await minimax((x, y) => g.value(x, y), { x0: g.x0, y0: g.y0 }, { maxEvaluations: 20_000 });
      expect(r.status).toBe('min-step');
      expect(dist(r.x, g.saddle!.x)).toBeLessThan(1e-5);
      expect(dist(r.y, g.saddle!.y)).toBeLessThan(1e-5);
    }
  });

  it('reaches a stationary point of Φ(x) = max_y f(x, y) on the nonconvex–PL game', async () => {
    const g = nonconvexPLGame({ n: 3 });
    const r = await minimax((x, y) => g.value(x, y), { x0: g.x0, y0: g.y0 }, { maxEvaluations: 20_000 });
    expect(g.stationarity!(r.x)).toBeLessThan(1e-5);
    expect(dist(r.y, g.bestResponse!(r.x))).toBeLessThan(1e-5);
    // From this start the min player lands in a well: every |x_i| = 1/√2.
    for (const v of r.x) expect(Math.abs(Math.abs(v) - Math.SQRT1_2)).toBeLessThan(1e-5);
  });

  it('reaches the saddle (0, 0) of the two-sided PL game and the least-squares solution of the robust regression', async () => {
    const pl = twoSidedPLGame();
    const a = await minimax((x, y) => pl.value(x, y), { x0: pl.x0, y0: pl.y0 });
    expect(Math.abs(a.x[0]!)).toBeLessThan(1e-6);
    expect(Math.abs(a.y[0]!)).toBeLessThan(1e-6);
    const ls = robustLeastSquaresGame({ m: 6, n: 2 });
    const b = await minimax((x, y) => ls.value(x, y), { x0: ls.x0, y0: ls.y0 }, { maxEvaluations: 200_000 });
    expect(dist(b.x, ls.saddle!.x)).toBeLessThan(1e-3);
    expect(ls.stationarity!(b.x)).toBeLessThan(1e-2);
  });

  it('with defaults reaches ‖∇Φ‖ ≤ 1e-3 on every PL game it ships, with fewer evaluations than zeroth-order GDA', async () => {
    const shipped = ['quadratic', 'nonconvex-pl', 'two-sided-pl', 'robust-least-squares'].map((k) =>
      GAMES[k]!(),
    );
    // An independent instance (other seed, sizes and λ) that no default was chosen on: it must
    // converge too. ZO-GDA is faster on it (1380 against 1615 evaluations, see the README).
    const heldOut = robustLeastSquaresGame({ n: 3, m: 10, lambda: 2, seed: 11 });
    for (const g of [...shipped, heldOut]) {
      const reached = { ds: Number.NaN, zo: Number.NaN };
      const watch = (who: 'ds' | 'zo') => (i: RoundInfo) => {
        if (Number.isNaN(reached[who]) && g.stationarity!(i.x) <= 1e-3) reached[who] = i.evaluations;
      };
      const f = (x: Float64Array, y: Float64Array) => g.value(x, y);
      const start = { x0: g.x0, y0: g.y0 };
      await minimax(f, start, { maxEvaluations: 200_000, onRound: watch('ds') });
      expect(reached.ds, g.description).toBeLessThan(200_000);
      if (g === heldOut) continue;
      await zerothOrderGDA(f, start, { maxEvaluations: 60_000, onRound: watch('zo') });
      // ZO-GDA that never gets there within its budget counts as slower.
      expect(reached.ds, g.description).toBeLessThan(Number.isNaN(reached.zo) ? Infinity : reached.zo);
    }
  }, 60_000);

  it('never alternates between two points: a move back at the same step size counts as a failure', async () => {
    const g = robustLeastSquaresGame();
    const seen = new Map<string, number>();
    let repeats = 0;
    await minimax(
      (x, y) => g.value(x, y),
      { x0: g.x0, y0: g.y0 },
      {
        maxEvaluations: 20_000,
        onRound: (i) => {
          const key = `${i.x.join(',')}@${i.stepSizes.min}`;
          const last = seen.get(key);
          if (last !== undefined && last < i.round - 1) repeats++;
          seen.set(key, i.round);
        },
      },
    );
    expect(repeats).toBe(0);
  });

  it('offers each game’s noise shared (common random numbers make differences exact) or independent', async () => {
    const { Rng } = await import('@trainlab/random');
    const g = quadraticGame();
    const x = g.x0;
    const y = g.y0;
    const shared = gameOracle(g);
    expect(shared.sample(x, y, new Rng(3))).toBe(shared.sample(x, y, new Rng(3)));
    const independent = gameOracle(g, { noise: 'independent', seed: 1 });
    const a = independent.sample(x, y, new Rng(3));
    const b = independent.sample(x, y, new Rng(3));
    expect(a).not.toBe(b); // fresh noise on every call, whatever stream the solver passes
    const again = gameOracle(g, { noise: 'independent', seed: 1 });
    expect([again.sample(x, y, new Rng(0)), again.sample(x, y, new Rng(0))]).toEqual([a, b]); // and reproducible
    expect(() => gameOracle(g, { noise: 'loud' as never })).toThrow(
      /noise must be 'shared' or 'independent'/,
    );
  });

  it('improves the worst case of the robust polynomial problem (bounded max player)', async () => {
    const g = robustPolynomialGame();
    const r = await minimax(
      (x, y) => g.value(x, y),
      { x0: g.x0, y0: g.y0 },
      {
        max: { bounds: { lower: g.boundsY!.lower, upper: g.boundsY!.upper, handling: 'projection' } },
        maxEvaluations: 5000,
      },
    );
    expect(r.y[0]).toBeGreaterThanOrEqual(0);
    expect(r.y[0]).toBeLessThanOrEqual(0.5);
    expect(g.worstCase(r.x)).toBeLessThan(g.worstCase(g.x0) - 1);
  });

  it('solves the noisy quadratic game from samples (probabilistic estimates)', async () => {
    const g = quadraticGame({ n: 2, m: 2, noise: 0.05 });
    const r = await minimax(
      { sample: (x, y, rng) => g.sample(x, y, rng) },
      { x0: g.x0, y0: g.y0 },
      { seed: 3, maxEvaluations: 400_000 },
    );
    expect(dist(r.x, g.saddle!.x)).toBeLessThan(0.05);
    expect(dist(r.y, g.saddle!.y)).toBeLessThan(0.05);
  });

  it('is reproducible, streams its evaluations with the player, and survives failures', async () => {
    const g = quadraticGame();
    const f = (x: Float64Array, y: Float64Array) => (y[0]! > 3 ? Number.NaN : g.value(x, y));
    const a = await minimax(
      f,
      { x0: g.x0, y0: g.y0 },
      { maxEvaluations: 500, max: { pollSet: 'probabilistic' }, seed: 4 },
    );
    const players = new Set<string>();
    const gen = iterateMinimax(
      f,
      { x0: g.x0, y0: g.y0 },
      { maxEvaluations: 500, max: { pollSet: 'probabilistic' }, seed: 4 },
    );
    let step = await gen.next();
    while (!step.done) {
      players.add(String(step.value.player));
      step = await gen.next();
    }
    expect(Array.from(step.value.x)).toEqual(Array.from(a.x));
    expect(players).toEqual(new Set(['undefined', 'min', 'max']));
    expect(a.status).toBe('max-evaluations');
  });

  it('reports every round to onRound: the trajectory ends where the result does, for the method and both baselines', async () => {
    const game = twoSidedPLGame();
    const start = { x0: [1.5], y0: [-1] };
    const runs = {
      'direct search': (onRound: (i: RoundInfo) => void) =>
        minimax((x, y) => game.value(x, y), start, { maxEvaluations: 2000, onRound }),
      GDA: (onRound: (i: RoundInfo) => void) =>
        gradientDescentAscent(game, start, { maxEvaluations: 400, onRound }),
      'ZO-GDA': (onRound: (i: RoundInfo) => void) =>
        zerothOrderGDA((x, y) => game.value(x, y), start, { maxEvaluations: 800, onRound, seed: 3 }),
    };
    for (const [name, run] of Object.entries(runs)) {
      const rounds: RoundInfo[] = [];
      const r = await run((i) => rounds.push(i));
      expect(rounds.length, name).toBe(r.iterations);
      expect(
        rounds.map((i) => i.round),
        name,
      ).toEqual(rounds.map((_, k) => k + 1));
      const last = rounds.at(-1)!;
      expect(Array.from(last.x), name).toEqual(Array.from(r.x));
      expect(Array.from(last.y), name).toEqual(Array.from(r.y));
      // Evaluations only grow, and the points handed out are copies.
      expect(
        rounds.every((i, k) => k === 0 || i.evaluations >= rounds[k - 1]!.evaluations),
        name,
      ).toBe(true);
      last.x[0] = 99;
      expect(r.x[0], name).not.toBe(99);
    }
  });

  it('rejects bad inputs before evaluating', async () => {
    let calls = 0;
    const f = () => {
      calls++;
      return 0;
    };
    await expect(minimax(f, { x0: [0], y0: [] })).rejects.toThrow(
      'y0 must be a non-empty array of finite numbers, got []',
    );
    await expect(minimax(f, { x0: [0], y0: [0] }, { min: { contraction: 2 } })).rejects.toThrow(
      'min.contraction must be a finite number > 0 and < 1, got 2',
    );
    await expect(minimax(f, { x0: [0], y0: [0] }, { maxPlayerSteps: 0 })).rejects.toThrow(DfoError);
    await expect(minimax(f, { x0: [0], y0: [0] }, { stepCoupling: 'both' as never })).rejects.toThrow(
      `stepCoupling must be 'lift-max' or 'none', got "both"`,
    );
    expect(calls).toBe(0);
  });
});

describe('baselines', () => {
  it('gradient descent–ascent with true gradients converges on the quadratic game', async () => {
    const g = quadraticGame();
    const r = await gradientDescentAscent(
      g,
      { x0: g.x0, y0: g.y0 },
      { learningRate: { x: 0.05, y: 0.2 }, maxIterations: 20_000 },
    );
    expect(r.status).toBe('tolerance');
    expect(dist(r.x, g.saddle!.x)).toBeLessThan(1e-4);
  });

  it('zeroth-order GDA gets close to the saddle on the quadratic game', async () => {
    const g = quadraticGame({ n: 2, m: 2 });
    const r = await zerothOrderGDA(
      (x, y) => g.value(x, y),
      { x0: g.x0, y0: g.y0 },
      {
        learningRate: { x: 0.05, y: 0.2 },
        maxEvaluations: 40_000,
        seed: 1,
      },
    );
    expect(dist(r.x, g.saddle!.x)).toBeLessThan(0.05);
  });

  it('every game’s gradients match central differences of its value', () => {
    for (const [name, make] of Object.entries(GAMES)) {
      const g = make();
      const x = g.x0.map((v, i) => v + 0.1 * (i + 1));
      const y = g.y0.map((v, i) => v + 0.05 * (i + 1));
      const h = 1e-6;
      const fd = (which: 'x' | 'y') => {
        const base = which === 'x' ? x : y;
        return base.map((_, i) => {
          const p = Float64Array.from(base);
          const q = Float64Array.from(base);
          p[i]! += h;
          q[i]! -= h;
          return which === 'x'
            ? (g.value(p, y) - g.value(q, y)) / (2 * h)
            : (g.value(x, p) - g.value(x, q)) / (2 * h);
        });
      };
      const gx = g.gradX(x, y);
      const gy = g.gradY(x, y);
      expect(dist(gx, fd('x')), name).toBeLessThan(1e-5 * Math.max(1, norm(gx)));
      expect(dist(gy, fd('y')), name).toBeLessThan(1e-5 * Math.max(1, norm(gy)));
    }
  });

  it('saddle points are stationary and best responses maximize', () => {
    for (const g of [quadraticGame(), twoSidedPLGame(), robustLeastSquaresGame()]) {
      const { x, y } = g.saddle!;
      expect(norm(g.gradX(x, y))).toBeLessThan(1e-9);
      expect(norm(g.gradY(x, y))).toBeLessThan(1e-9);
    }
    const q = quadraticGame();
    expect(norm(q.gradY(q.x0, q.bestResponse!(q.x0)))).toBeLessThan(1e-9);
  });
});
