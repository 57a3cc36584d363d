/**
 * Experiment 2: the last block's token cosine as the depth L grows, measured and predicted.
 */
import { createTransformer, type NormPlacement, type TransformerConfig } from '@trainlab/attention';
import { Rng } from '@trainlab/tensor';
import { tokenCosine } from './measures';
import {
  ConfigCheck,
  correlatedTokens,
  type ExperimentResult,
  groupBy,
  isInt,
  meanStd,
  type RunOptions,
  runCells,
  seedList,
} from './runner';
import {
  modelConfig,
  type ResolvedSettings,
  resolveSettings,
  rowBase,
  SETTINGS_KEYS,
  type SettingsConfig,
  settingsOf,
} from './settings';
import { predictPropagation } from './theory';
import { measuredVsPredicted } from './tokenCosine';
// ---------------------------------------------------------------- 2. last-layer cosine against depth

/** Configuration of `depthSweepExperiment`. */
export interface DepthSweepConfig extends SettingsConfig {
  /** @defaultValue [1, 2, 4, 8, 16, 32, 64] */
  depths?: number[];
}

/** One measured row of `depthSweepExperiment`. */
export interface DepthSweepRow {
  setting: string;
  norm: NormPlacement;
  scale: string;
  mlp: boolean;
  seed: number;
  depth: number;
  /** Cosine after the last block (NaN when the activations overflowed float32). */
  cosine: number;
  predicted: number;
}

/** One summary row of `depthSweepExperiment` (mean over seeds). */
export interface DepthSweepSummary {
  setting: string;
  norm: NormPlacement;
  scale: string;
  mlp: boolean;
  depth: number;
  cosine: number;
  cosineStd: number;
  predicted: number;
}

/** The depth sweep's config with every default filled in (throws `E_CONFIG` naming each bad field). */
export function resolveDepthSweepConfig(
  config: DepthSweepConfig = {},
): ResolvedSettings & { depths: number[] } {
  const check = new ConfigCheck('depthSweep');
  check.keys(config, [...SETTINGS_KEYS, 'depths']);
  const s = resolveSettings(check, { seeds: 2, ...config });
  const depths = check.list<number>(
    'depths',
    config.depths,
    isInt(1, 1024),
    'integers from 1 to 1024',
    [1, 2, 4, 8, 16, 32, 64],
  );
  check.done();
  return { ...s, depths };
}

/** Experiment 2: the last block's token cosine as the depth L grows, measured and predicted. */
export async function depthSweepExperiment(
  config: DepthSweepConfig = {},
  options: RunOptions<DepthSweepRow> = {},
): Promise<ExperimentResult<ResolvedSettings & { depths: number[] }, DepthSweepRow, DepthSweepSummary>> {
  const resolved = resolveDepthSweepConfig(config);
  const { depths } = resolved;
  const s = resolved;
  const cells = settingsOf(s).flatMap((setting) =>
    depths.flatMap((depth) => {
      const cfg = modelConfig(s, setting, depth);
      const predicted = predictPropagation(cfg, { n: s.n, rho0: s.rho0 }).at(-1)!.rho;
      return seedList(s.seed, s.seeds).map((seed) => ({
        key: `${setting.label} · L=${depth} · seed ${seed}`,
        run: (): DepthSweepRow[] => [
          { ...rowBase(setting), seed, depth, cosine: lastCosine(cfg, s, seed), predicted },
        ],
      }));
    }),
  );
  const { rows, failures } = await runCells('depthSweep', cells, options);
  const summary = [...groupBy(rows, (r) => `${r.setting}|${r.depth}`).values()].map((g) => {
    const c = meanStd(g.map((r) => r.cosine));
    const { seed: _, cosine: __, ...first } = g[0]!;
    return { ...first, cosine: c.mean, cosineStd: c.std };
  });
  return {
    experiment: 'depthSweep',
    config: { ...s, depths },
    rows,
    summary,
    failures,
    figure: measuredVsPredicted(
      `Last-layer token cosine against depth (n = ${s.n}, d = ${s.dModel})`,
      summary.map((r) => ({ ...r, x: r.depth, measured: r.cosine })),
      'depth L',
      'cosine after the last block',
      true,
    ),
  };
}

function lastCosine(cfg: TransformerConfig, s: ResolvedSettings, seed: number): number {
  const model = createTransformer(cfg, { seed });
  const x = correlatedTokens(s.n, s.dModel, s.rho0, 1, new Rng(seed).fork('input'));
  const y = model.forward(x);
  const values = y.output.dataSync();
  const cosine = values.every(Number.isFinite) ? tokenCosine(y.output) : Number.NaN;
  y.dispose();
  x.dispose();
  model.dispose();
  return cosine;
}
