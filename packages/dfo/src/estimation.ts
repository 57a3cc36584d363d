/**
 * Probabilistically accurate estimates of a noisy objective (Paquette & Scheinberg 2018; Dzahini
 * 2020; the estimates of Anagnostidis, Lucchi & Diouane 2021). A direct-search step of size α
 * compares estimates f̂ and needs |f̂ − f| ≤ ε_f·α² with probability at least β. For the mean of N
 * samples of variance V, Chebyshev's inequality gives P(|f̂ − f| > ε_f α²) ≤ V / (N ε_f² α⁴), so
 *
 *     N ≥ V / ((1 − β) · ε_f² · α⁴)
 *
 * samples suffice: the sample size grows like α⁻⁴ as the step shrinks. V is estimated from a pilot
 * of the same samples, and N is capped.
 */
import { checkNumber, invalid } from './errors';

/** How many samples an estimate averages. */
export type Estimation =
  | {
      kind: 'adaptive';
      /** ε_f: the error allowed is ε_f·α². @defaultValue a quarter of the forcing constant c */
      accuracy?: number;
      /** β: the probability that the estimate is that accurate. @defaultValue 0.9 */
      probability?: number;
      /** Samples drawn first, to estimate the variance. @defaultValue 8 */
      pilotSamples?: number;
      /** Cap on N (the budget an iteration may take grows like α⁻⁴ until it). @defaultValue 1000 */
      maxSamples?: number;
    }
  | {
      kind: 'fixed';
      /** N for every estimate. */
      samples: number;
    };

export interface ResolvedEstimation {
  kind: 'adaptive' | 'fixed';
  accuracy: number;
  probability: number;
  pilotSamples: number;
  maxSamples: number;
  samples: number;
}

export function resolveEstimation(
  e: Estimation | undefined,
  forcingConstant: number,
  param = 'estimation',
): ResolvedEstimation {
  const spec = e ?? { kind: 'adaptive' as const };
  if (spec.kind === 'fixed') {
    checkNumber(`${param}.samples`, spec.samples, { min: 1, integer: true });
    return {
      kind: 'fixed',
      accuracy: 0,
      probability: 0,
      pilotSamples: spec.samples,
      maxSamples: spec.samples,
      samples: spec.samples,
    };
  }
  if (spec.kind !== 'adaptive')
    throw invalid(`${param}.kind`, "'adaptive' or 'fixed'", (spec as { kind: unknown }).kind);
  const accuracy = spec.accuracy ?? forcingConstant / 4;
  const probability = spec.probability ?? 0.9;
  const pilotSamples = spec.pilotSamples ?? 8;
  const maxSamples = spec.maxSamples ?? 1000;
  checkNumber(`${param}.accuracy`, accuracy, { min: 0, minOpen: true });
  checkNumber(`${param}.probability`, probability, { min: 0, max: 1, maxOpen: true });
  checkNumber(`${param}.pilotSamples`, pilotSamples, { min: 2, integer: true });
  checkNumber(`${param}.maxSamples`, maxSamples, { min: pilotSamples, integer: true });
  return { kind: 'adaptive', accuracy, probability, pilotSamples, maxSamples, samples: pilotSamples };
}

/**
 * Samples needed for |f̂ − f| ≤ ε_f α² with probability β, given the sample variance (the
 * Chebyshev bound above), between the pilot size and the cap.
 */
export function requiredSamples(variance: number, stepSize: number, e: ResolvedEstimation): number {
  if (e.kind === 'fixed') return e.samples;
  const tolerance = e.accuracy * stepSize * stepSize;
  const n = variance / ((1 - e.probability) * tolerance * tolerance);
  if (!(n < e.maxSamples)) return e.maxSamples; // also catches NaN and ∞ (tolerance → 0)
  return Math.max(e.pilotSamples, Math.ceil(n));
}
