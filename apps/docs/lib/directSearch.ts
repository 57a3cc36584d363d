/**
 * The direct-search visualiser's computation: a run of `directSearch` on a 2-D test function, with
 * every evaluation (the poll points), every iteration (accepted steps, step sizes) and a grid of
 * function values for the contours. Plain float64 JavaScript: the page and Node give the same
 * numbers bit for bit.
 */
import {
  type DirectSearchOptions,
  directSearch,
  type EvaluationRecord,
  type IterationInfo,
  type Oracle,
  type PollSetName,
} from '@trainlab/dfo';
import { sampleGrid } from './plot';

/** A 2-D test function with the window it is drawn in. */
export interface TestFunction {
  label: string;
  f: (x: number, y: number) => number;
  start: [number, number];
  /** [xmin, xmax, ymin, ymax] */
  window: [number, number, number, number];
  /** The global minimizers, drawn as stars. */
  minima: [number, number][];
  /** The global minimum value. */
  fmin: number;
}

const c = Math.cos(Math.PI / 6);
const s = Math.sin(Math.PI / 6);

/** The functions the page offers. */
export const FUNCTIONS: Record<string, TestFunction> = {
  rosenbrock: {
    label: 'Rosenbrock',
    f: (x, y) => 100 * (y - x * x) ** 2 + (1 - x) ** 2,
    start: [-1.2, 1],
    window: [-2, 2, -1, 3],
    minima: [[1, 1]],
    fmin: 0,
  },
  himmelblau: {
    label: 'Himmelblau (four minima)',
    f: (x, y) => (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2,
    start: [0, 0],
    window: [-5, 5, -5, 5],
    minima: [
      [3, 2],
      [-2.805118, 3.131312],
      [-3.77931, -3.283186],
      [3.584428, -1.848126],
    ],
    fmin: 0,
  },
  quadratic: {
    label: 'Ill-conditioned quadratic (κ = 25, rotated 30°)',
    f: (x, y) => {
      const u = c * x + s * y;
      const v = -s * x + c * y;
      return 0.5 * (u * u + 25 * v * v);
    },
    start: [-3, 2],
    window: [-4, 4, -4, 4],
    minima: [[0, 0]],
    fmin: 0,
  },
  'six-hump-camel': {
    label: 'Six-hump camel',
    f: (x, y) => (4 - 2.1 * x * x + x ** 4 / 3) * x * x + x * y + (-4 + 4 * y * y) * y * y,
    start: [-1.5, 0.8],
    window: [-2, 2, -1.2, 1.2],
    minima: [
      [0.0898, -0.7126],
      [-0.0898, 0.7126],
    ],
    fmin: -1.031628453489877,
  },
};

/** The visualiser's controls. */
export interface SearchSettings {
  fn: keyof typeof FUNCTIONS | string;
  /** The search step before each poll: a quadratic model of the points evaluated so far, or none (noisy runs: none). */
  search: 'model' | 'none';
  pollSet: PollSetName;
  /** Forcing function ρ(α) = c·α^p. */
  forcingConstant: number;
  forcingExponent: number;
  expansion: number;
  contraction: number;
  initialStep: number;
  polling: 'opportunistic' | 'complete';
  /** Standard deviation of Gaussian noise on every evaluation (0: deterministic). */
  noise: number;
  maxEvaluations: number;
  seed: number;
}

/** The settings the page opens with. */
export const DEFAULT_SEARCH: SearchSettings = {
  fn: 'rosenbrock',
  search: 'model',
  pollSet: 'coordinate',
  forcingConstant: 1e-4,
  forcingExponent: 2,
  expansion: 2,
  contraction: 0.5,
  initialStep: 0.5,
  polling: 'opportunistic',
  noise: 0,
  maxEvaluations: 2000,
  seed: 1,
};

/** One evaluation, as drawn. */
export interface SearchPoint {
  x: number;
  y: number;
  value: number;
  iteration: number;
  phase: EvaluationRecord['phase'];
}

/** One iteration, as drawn. */
export interface SearchStep {
  iteration: number;
  success: boolean;
  x: number;
  y: number;
  value: number;
  stepBefore: number;
  stepAfter: number;
  evaluations: number;
}

/** A finished run. */
export interface SearchRun {
  evaluations: SearchPoint[];
  iterations: SearchStep[];
  result: {
    x: number;
    y: number;
    value: number;
    status: string;
    evaluations: number;
    iterations: number;
    /** The step size when the run stopped. */
    stepSize: number;
  };
}

/** The test function of a name, or a clear error. */
export function testFunction(name: string): TestFunction {
  const fn = FUNCTIONS[name];
  if (!fn)
    throw new Error(`fn must be one of ${Object.keys(FUNCTIONS).join(', ')}, got ${JSON.stringify(name)}`);
  return fn;
}

/** Runs direct search with the settings. */
export async function runSearch(settings: SearchSettings): Promise<SearchRun> {
  const fn = testFunction(settings.fn);
  const evaluations: SearchPoint[] = [];
  const iterations: SearchStep[] = [];
  const objective: ((x: Float64Array) => number) | Oracle =
    settings.noise > 0
      ? { sample: (x, rng) => fn.f(x[0]!, x[1]!) + settings.noise * rng.nextNormal() }
      : (x) => fn.f(x[0]!, x[1]!);
  const options: DirectSearchOptions = {
    search: settings.noise > 0 ? 'none' : settings.search,
    pollSet: settings.pollSet,
    forcingFunction: { constant: settings.forcingConstant, exponent: settings.forcingExponent },
    expansion: settings.expansion,
    contraction: settings.contraction,
    initialStep: settings.initialStep,
    polling: settings.polling,
    maxEvaluations: settings.maxEvaluations,
    seed: settings.seed,
    onEvaluation: (r) =>
      evaluations.push({ x: r.x[0]!, y: r.x[1]!, value: r.value, iteration: r.iteration, phase: r.phase }),
    onIteration: (i: IterationInfo) =>
      iterations.push({
        iteration: i.iteration,
        success: i.success,
        x: i.x[0]!,
        y: i.x[1]!,
        value: i.value,
        stepBefore: i.stepBefore,
        stepAfter: i.stepAfter,
        evaluations: i.evaluations,
      }),
  };
  const r = await directSearch(objective, fn.start, options);
  return {
    evaluations,
    iterations,
    result: {
      x: r.x[0]!,
      y: r.x[1]!,
      value: r.value,
      status: r.status,
      evaluations: r.evaluations,
      iterations: r.iterations,
      stepSize: r.stepSize,
    },
  };
}

/** Values of `f` on a `size × size` grid over the function's window, for contours. */
export function grid(fn: TestFunction, size: number): Float64Array {
  return sampleGrid(fn.window, size, fn.f);
}
