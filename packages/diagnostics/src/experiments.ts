/**
 * Every experiment of this package, in the order the report shows them. Front ends (the CLI and
 * its worker threads, `reproduce`, the docs) iterate this list; none defines an experiment itself.
 */
import type { ExperimentDefinition } from '@trainlab/runner';
import { collapseDefinition } from './collapse';
import { coordCheckDefinition } from './coordCheck';
import { depthSweepDefinition } from './depthSweep';
import { dongDefinition } from './dong';
import { entropyDefinition } from './entropyCollapse';
import { phaseDefinition } from './entropyPhase';
import { gradientNormsDefinition } from './gradientNorms';
import { gradientRatioDefinition } from './gradientRatio';
import { kernelDefinition } from './kernel';
import { optimizerDefinition } from './optimizerExperiment';
import { tokenCosineDefinition } from './tokenCosine';
import { trainingDepthDefinition } from './trainingDepth';

/** The rank-collapse experiments, each defined once (id, version, schema, cells, summary, figure, claim). */
export const EXPERIMENTS: readonly ExperimentDefinition[] = [
  tokenCosineDefinition,
  depthSweepDefinition,
  gradientNormsDefinition,
  collapseDefinition,
  gradientRatioDefinition,
  dongDefinition,
  entropyDefinition,
  phaseDefinition,
  kernelDefinition,
  trainingDepthDefinition,
  optimizerDefinition,
  coordCheckDefinition,
];
