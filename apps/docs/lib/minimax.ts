/**
 * The min-max visualiser's computation: both players' trajectories on the (x, y) plane for the
 * paper's alternating direct search and for the two baselines (gradient descent–ascent with true
 * gradients, zeroth-order GDA), on 1 + 1-dimensional games. Plain float64 JavaScript.
 */
import {
  type Game,
  nonconvexPLGame,
  quadraticGame,
  type RoundInfo,
  solveGame,
  twoSidedPLGame,
} from '@trainlab/dfo';
import { sampleGrid } from './plot';

/** A game with one coordinate per player, and the window it is drawn in. */
export interface PlaneGame {
  label: string;
  make: (noise: number) => Game;
  /** [xmin, xmax, ymin, ymax] */
  window: [number, number, number, number];
  start: [number, number];
}

/** The games the page offers. */
export const GAMES_2D: Record<string, PlaneGame> = {
  'two-sided-pl': {
    label: 'Two-sided PL: x² + 3 sin²x sin²y − 4y² − 10 sin²y',
    make: (noise) => twoSidedPLGame({ noise }),
    window: [-2, 2, -2, 2],
    start: [1.5, -1.2],
  },
  quadratic: {
    label: 'Strongly-convex–strongly-concave quadratic',
    make: (noise) => quadraticGame({ n: 1, m: 1, seed: 0, noise }),
    window: [-3, 3, -3, 3],
    start: [2.5, -2],
  },
  'nonconvex-pl': {
    label: 'Nonconvex in x, PL in y',
    make: (noise) => nonconvexPLGame({ n: 1, noise }),
    window: [-2, 2, -2, 2],
    start: [1.6, 1.5],
  },
};

/** The methods compared. */
export const METHODS = ['direct-search', 'gda', 'zo-gda'] as const;
/** One of {@link METHODS}. */
export type Method = (typeof METHODS)[number];

/** The visualiser's controls. */
export interface GameSettings {
  game: string;
  /** Noise of the stochastic oracle (0: the deterministic game). */
  noise: number;
  maxEvaluations: number;
  /** Learning rates of both GDA baselines. */
  lrX: number;
  lrY: number;
  seed: number;
}

/** The settings the page opens with. */
export const DEFAULT_GAME: GameSettings = {
  game: 'two-sided-pl',
  noise: 0,
  maxEvaluations: 2000,
  lrX: 0.05,
  lrY: 0.05,
  seed: 0,
};

/** One method's run. */
export interface Trajectory {
  method: Method;
  /** (x, y) at the start and after every round. */
  points: [number, number][];
  /** Step sizes (direct search) after every round. */
  steps: { min: number; max: number }[];
  final: { x: number; y: number; value: number; status: string; evaluations: number; rounds: number };
  /** Distance of the final point to the saddle, where the game knows it. */
  distance: number | null;
  /** ‖∇Φ(x)‖ at the final x for Φ(x) = max_y f(x, y), where the game knows it (0 at a solution). */
  stationarity: number | null;
}

/** The game of a name, or a clear error. */
export function planeGame(name: string): PlaneGame {
  const g = GAMES_2D[name];
  if (!g)
    throw new Error(`game must be one of ${Object.keys(GAMES_2D).join(', ')}, got ${JSON.stringify(name)}`);
  return g;
}

/** Runs the three methods from the same start. */
export async function runGame(settings: GameSettings): Promise<Trajectory[]> {
  const spec = planeGame(settings.game);
  const game = spec.make(settings.noise);
  const start = { x0: [spec.start[0]], y0: [spec.start[1]] };
  const out: Trajectory[] = [];
  for (const method of METHODS) {
    const points: [number, number][] = [spec.start];
    const steps: { min: number; max: number }[] = [];
    const onRound = (i: RoundInfo) => {
      points.push([i.x[0]!, i.y[0]!]);
      steps.push(i.stepSizes);
    };
    // The package's one dispatch over the methods (the CLI's benchmark runs the same).
    const r = await solveGame(game, method, {
      maxEvaluations: settings.maxEvaluations,
      seed: settings.seed,
      noisy: settings.noise > 0,
      start,
      learningRate: { x: settings.lrX, y: settings.lrY },
      onRound,
    });
    const saddle = game.saddle;
    out.push({
      method,
      points,
      steps,
      final: {
        x: r.x[0]!,
        y: r.y[0]!,
        value: r.value,
        status: r.status,
        evaluations: r.evaluations,
        rounds: r.iterations,
      },
      distance: saddle ? Math.hypot(r.x[0]! - saddle.x[0]!, r.y[0]! - saddle.y[0]!) : null,
      stationarity: game.stationarity ? game.stationarity(r.x) : null,
    });
  }
  return out;
}

/** Values of f(x, y) on a `size × size` grid over the game's window, for contours. */
export function gameGrid(name: string, size: number): Float64Array {
  const spec = planeGame(name);
  const game = spec.make(0);
  const x = new Float64Array(1);
  const y = new Float64Array(1);
  return sampleGrid(spec.window, size, (a, b) => {
    x[0] = a;
    y[0] = b;
    return game.value(x, y);
  });
}
