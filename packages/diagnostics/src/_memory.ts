/**
 * The memory estimates of the experiments' cells (`ExperimentDefinition.memory`): the largest of
 * the models a config asks for, through `estimateMemory` of `@trainlab/attention`.
 */
import { estimateMemory, type MemoryMode, type TransformerConfig } from '@trainlab/attention';
import type { MemoryNeed } from '@trainlab/runner';

/** One kind of cell: the model it builds, on how many tokens, and its name in messages. */
export interface CellModel {
  config: TransformerConfig;
  tokens: number;
  label: string;
  batch?: number;
  optimizerSlots?: number;
}

const DOING: Record<MemoryMode, string> = {
  forward: 'forward pass',
  backward: 'gradients',
  train: 'training',
};

/** The cell among `models` that needs the most memory in `mode`, and how much. */
export function largestCell(models: readonly CellModel[], mode: MemoryMode): MemoryNeed {
  let best: MemoryNeed = { bytes: 0, cell: 'none' };
  for (const m of models) {
    const batch = m.batch ?? 1;
    const e = estimateMemory(m.config, {
      tokens: m.tokens,
      batch,
      mode,
      ...(m.optimizerSlots === undefined ? {} : { optimizerSlots: m.optimizerSlots }),
    });
    if (e.bytes > best.bytes) {
      const sizes = `${m.config.depth} blocks, d = ${m.config.dModel}, n = ${m.tokens}${batch > 1 ? `, batch ${batch}` : ''}`;
      best = { bytes: e.bytes, cell: `${m.label}: ${sizes}, ${DOING[mode]}` };
    }
  }
  return best;
}
