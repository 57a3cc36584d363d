/**
 * Gradient descent–ascent baselines for min-max games: with Gaussian-smoothing gradient estimates
 * (zeroth order; Nesterov & Spokoiny 2017, as used for min-max by Liu et al. 2020 and Wang et al.
 * 2020) and with true gradients when a problem has them. Both alternate: the max player ascends,
 * then the min player descends at the new y, with two time scales (η_y > η_x; Lin, Jin & Jordan 2020).
 */
import { Rng } from '@trainlab/random';
import { Evaluator, resolveBudget } from '../_evaluator';
import { checkRun } from '../directSearch';
import { checkKeys, checkNumber, invalid, RUN_KEYS, toVector } from '../errors';
import { resolveEstimation } from '../estimation';
import type { GameObjective, GameOracle, MinimaxResult, RoundInfo } from '../minimax';
import { randomUnitVector } from '../poll';
import { isSuccess, type RunOptions, STOP_MESSAGES, type StopReason } from '../types';

/** Options of the gradient descent–ascent baselines. */
export interface GdaOptions extends Omit<RunOptions, 'targetValue'> {
  /** Step sizes of the two players. @defaultValue { x: 0.01, y: 0.05 } */
  learningRate?: { x?: number; y?: number };
  /** Stop when both (estimated) gradient norms fall below this. @defaultValue 1e-6 */
  tolerance?: number;
  /** Called after every iteration with both players' points (trajectories, progress). */
  onRound?: (info: RoundInfo) => void;
}

/** Options of `zerothOrderGDA`: GDA options plus the finite-difference smoothing and directions. */
export interface ZerothOrderGdaOptions extends GdaOptions {
  /** μ, the smoothing radius of the finite differences. @defaultValue 1e-4 */
  smoothing?: number;
  /** Random directions per gradient estimate (each costs one evaluation). @defaultValue n of the player */
  directions?: number;
}

const GDA_KEYS = [...RUN_KEYS.filter((k) => k !== 'targetValue'), 'learningRate', 'tolerance', 'onRound'];

function rates(o: GdaOptions) {
  const x = o.learningRate?.x ?? 0.01;
  const y = o.learningRate?.y ?? 0.05;
  checkNumber('learningRate.x', x, { min: 0, minOpen: true });
  checkNumber('learningRate.y', y, { min: 0, minOpen: true });
  const tolerance = o.tolerance ?? 1e-6;
  checkNumber('tolerance', tolerance, { min: 0 });
  return { x, y, tolerance };
}

const norm = (v: Float64Array) => Math.hypot(...v);

/**
 * Zeroth-order gradient descent–ascent: ∇ estimated as (d/q)·Σ_k (f(z + μu_k) − f(z))/μ · u_k over q
 * random unit directions u_k (the d/q scaling makes the estimate unbiased for the smoothed f).
 */
export async function zerothOrderGDA(
  f: GameObjective | GameOracle,
  start: { x0: ArrayLike<number>; y0: ArrayLike<number> },
  options: ZerothOrderGdaOptions = {},
): Promise<MinimaxResult> {
  const noisy = typeof f !== 'function';
  if (noisy && typeof f?.sample !== 'function')
    throw invalid('f', 'a function (x, y) => number or an oracle', f);
  checkKeys('options', options, [...GDA_KEYS, 'smoothing', 'directions']);
  let x = toVector('x0', start.x0);
  let y = toVector('y0', start.y0);
  checkRun(options);
  const lr = rates(options);
  const mu = options.smoothing ?? 1e-4;
  checkNumber('smoothing', mu, { min: 0, minOpen: true });
  if (options.directions !== undefined)
    checkNumber('directions', options.directions, { min: 1, integer: true });
  const budget = resolveBudget(options, x.length + y.length);
  // A noisy oracle is sampled once per point: the method's own randomness averages it out.
  const ev = new Evaluator(budget, noisy ? resolveEstimation({ kind: 'fixed', samples: 1 }, 0) : undefined);
  const root = new Rng(options.seed ?? 0);
  let k = 0;
  let status: StopReason | undefined;
  let value = Number.NaN;
  const at = async (px: Float64Array, py: Float64Array, player: 'min' | 'max', rng: Rng) => {
    const cx = Float64Array.from(px);
    const cy = Float64Array.from(py);
    const call = typeof f === 'function' ? () => f(cx, cy) : (r: Rng) => f.sample(cx, cy, r);
    return (
      await ev.evaluate(call, { x: px, y: py }, { iteration: k, phase: 'poll', player, stepSize: mu, rng })
    ).value;
  };
  const estimate = async (player: 'min' | 'max'): Promise<Float64Array | undefined> => {
    const z = player === 'min' ? x : y;
    const d = z.length;
    const q = options.directions ?? d;
    const rng = root.fork(`${k}/${player}`);
    const noise = rng.fork('noise'); // the same ξ at the centre and the shifted points
    const base = await at(x, y, player, noise.fork('0'));
    value = base;
    if (!Number.isFinite(base)) return undefined; // no estimate from a point where f fails
    const g = new Float64Array(d);
    for (let j = 0; j < q; j++) {
      if (ev.exhausted()) return undefined;
      const u = randomUnitVector(d, rng);
      const shifted = z.map((v, i) => v + mu * u[i]!);
      const fs =
        player === 'min'
          ? await at(shifted, y, player, noise.fork('0'))
          : await at(x, shifted, player, noise.fork('0'));
      const c = ((fs - base) / mu) * (d / q);
      if (!Number.isFinite(c)) continue; // a failed evaluation contributes nothing
      for (let i = 0; i < d; i++) g[i]! += c * u[i]!;
    }
    return g;
  };
  while (!status) {
    status = ev.limitReached(k);
    if (status) break;
    k++;
    const gy = await estimate('max');
    if (!gy) {
      status = ev.exhausted() ?? 'diverged';
      break;
    }
    y = y.map((v, i) => v + lr.y * gy[i]!);
    const gx = await estimate('min');
    if (!gx) {
      status = ev.exhausted() ?? 'diverged';
      break;
    }
    x = x.map((v, i) => v - lr.x * gx[i]!);
    options.onRound?.(roundInfo(k, x, y, value, ev, lr));
    if (norm(gx) < lr.tolerance && norm(gy) < lr.tolerance) status = 'tolerance';
  }
  status ??= ev.exhausted() ?? 'max-evaluations';
  return result(x, y, value, status, ev, k, lr);
}

/** A game that exposes its gradients (the problems in `./problems/games` do). */
export interface DifferentiableGame {
  value(x: Float64Array, y: Float64Array): number;
  gradX(x: Float64Array, y: Float64Array): Float64Array;
  gradY(x: Float64Array, y: Float64Array): Float64Array;
}

/** Gradient descent–ascent with true gradients (alternating, two time scales). */
export async function gradientDescentAscent(
  game: DifferentiableGame,
  start: { x0: ArrayLike<number>; y0: ArrayLike<number> },
  options: GdaOptions = {},
): Promise<MinimaxResult> {
  if (typeof game?.gradX !== 'function' || typeof game.gradY !== 'function') {
    throw invalid('game', 'an object with value, gradX and gradY', game);
  }
  checkKeys('options', options, GDA_KEYS);
  let x = toVector('x0', start.x0);
  let y = toVector('y0', start.y0);
  checkRun(options);
  const lr = rates(options);
  const budget = resolveBudget(options, x.length + y.length);
  const ev = new Evaluator(budget, undefined);
  let k = 0;
  let status: StopReason | undefined;
  while (!status) {
    status = ev.limitReached(k);
    if (status) break;
    k++;
    // Each gradient evaluation counts as one evaluation of the budget.
    const gy = game.gradY(x, y);
    ev.evaluations++;
    y = y.map((v, i) => v + lr.y * gy[i]!);
    const gx = game.gradX(x, y);
    ev.evaluations++;
    x = x.map((v, i) => v - lr.x * gx[i]!);
    const value = game.value(x, y);
    if (![...x, ...y, ...gx, ...gy, value].every(Number.isFinite)) {
      status = 'diverged';
      break;
    }
    options.onRound?.(roundInfo(k, x, y, value, ev, lr));
    if (norm(gx) < lr.tolerance && norm(gy) < lr.tolerance) status = 'tolerance';
  }
  return result(x, y, game.value(x, y), status, ev, k, lr);
}

function roundInfo(
  round: number,
  x: Float64Array,
  y: Float64Array,
  value: number,
  ev: Evaluator,
  lr: { x: number; y: number },
): RoundInfo {
  return {
    round,
    x: Float64Array.from(x),
    y: Float64Array.from(y),
    value,
    evaluations: ev.evaluations,
    stepSizes: { min: lr.x, max: lr.y },
  };
}

function result(
  x: Float64Array,
  y: Float64Array,
  value: number,
  status: StopReason,
  ev: Evaluator,
  iterations: number,
  lr: { x: number; y: number },
): MinimaxResult {
  return {
    x,
    y,
    value,
    success: isSuccess(status),
    status,
    message: STOP_MESSAGES[status],
    evaluations: ev.evaluations,
    iterations,
    failures: ev.failures,
    elapsedMs: ev.elapsedMs(),
    stepSizes: { min: lr.x, max: lr.y },
    ...(ev.history.length > 0 ? { history: ev.history } : {}),
  };
}
