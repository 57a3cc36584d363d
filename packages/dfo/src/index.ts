/**
 * @trainlab/dfo — derivative-free direct search for minimization and for stochastic min-max games
 * (Anagnostidis, Lucchi & Diouane, AISTATS 2021), its baselines, the Moré–Wild benchmark and
 * data/performance profiles. Plain TypeScript on Float64Array; no TensorFlow.js.
 *
 * @module @trainlab/dfo
 */

export type { Bounds, PlayerOptions, SearchStep } from './_player';
export type { AskedPoint, AskTellSolver, Checkpoint, ToldValue } from './askTell';
export { AskTellOptimizer, askTell } from './askTell';
export type { DifferentiableGame, GdaOptions, ZerothOrderGdaOptions } from './baselines/gda';
export { gradientDescentAscent, zerothOrderGDA } from './baselines/gda';
export type { NelderMeadOptions } from './baselines/nelderMead';
export { nelderMead } from './baselines/nelderMead';
export type {
  BenchmarkCell,
  GameRow,
  MinimaxMethod,
  ProfileConfig,
  SolveGameOptions,
  TraceRow,
} from './benchmarks';
export {
  BENCH_SOLVERS,
  gameStationarity,
  gamesBenchmarkCells,
  MINIMAX_METHODS,
  moreWildBenchmarkCells,
  moreWildProfile,
  solveGame,
} from './benchmarks';
export type { DirectSearchOptions, DirectSearchResult, IterationInfo } from './directSearch';
export { directSearch, iterateDirectSearch } from './directSearch';
export type { DfoErrorCode } from './errors';
export { DfoError } from './errors';
export type { Estimation } from './estimation';
export { requiredSamples } from './estimation';
export type { ProfilePoint } from './experiments';
export { BENCHMARKS, gamesDefinition, moreWildDefinition } from './experiments';
export type {
  GameObjective,
  GameOracle,
  GamePlayerOptions,
  MinimaxOptions,
  MinimaxResult,
  RoundInfo,
} from './minimax';
export { iterateMinimax, minimax } from './minimax';
export type { PollContext, PollSet, PollSetName } from './poll';
export {
  coordinateDirections,
  minimalPositiveBasis,
  POLL_SET_NAMES,
  probabilisticDirections,
  randomOrthogonalDirections,
  randomUnitVector,
} from './poll';
export type { Game } from './problems/games';
export {
  bertsimasPolynomial,
  GAMES,
  gameOracle,
  nonconvexPLGame,
  quadraticGame,
  robustLeastSquaresGame,
  robustPolynomialGame,
  toyGanGame,
  twoSidedPLGame,
} from './problems/games';
export type { MoreWildProblem, MoreWildVariant } from './problems/moreWild';
export {
  MORE_WILD_FUNCTIONS,
  MORE_WILD_NOISE,
  MORE_WILD_VARIANTS,
  moreWildObjective,
  moreWildProblems,
  wildNoise,
} from './problems/moreWild';
export type { ProfileFigure, RunTrace } from './profiles';
export { bestSoFar, DATA_PROFILE_X_LABEL, dataProfile, performanceProfile, solveTimes } from './profiles';
export type {
  EvaluationRecord,
  EvaluationStatus,
  Objective,
  Oracle,
  RunOptions,
  SolverResult,
  StopReason,
} from './types';
export { isSuccess, STOP_MESSAGES } from './types';
