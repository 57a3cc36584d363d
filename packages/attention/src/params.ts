/**
 * A model's parameters: one list in a fixed order (names like `blocks.3.attn.wq`, groups for
 * gradient norms) and one typed record of where each sits, built together, once, so that no code
 * rebuilds the wiring from names.
 */
import { initialize, Rng, type Seed, tf } from '@trainlab/tensor';
import type { ResolvedConfig } from './config';

/** What a parameter is, for grouping gradient norms: queries, keys, values, attention output, MLP, LayerNorm, embeddings, head. */
export type ParamGroup = 'q' | 'k' | 'v' | 'o' | 'mlp' | 'ln' | 'embed' | 'head';

/** One named weight of a model. */
export interface Parameter {
  /** `blocks.3.attn.wq`, `blocks.0.mlp.b1`, `blocks.2.ln1.gamma`, `embed.tokens`, `lnFinal.beta`, `head.w`, … */
  readonly name: string;
  readonly group: ParamGroup;
  /** The block index, or `null` for embeddings, the final LayerNorm and the head. */
  readonly layer: number | null;
  readonly shape: readonly number[];
  /** The trainable tfjs variable holding the value (owned by the model). */
  readonly variable: tf.Variable;
}

/** A LayerNorm's learned gain and bias (absent when `normAffine` is false). */
export interface LayerNormParams {
  gamma?: tf.Variable;
  beta?: tf.Variable;
}

/** One block's weights: `ln1` and `ln2` where the block applies a LayerNorm, the MLP where it has one. */
export interface BlockParams {
  ln1?: LayerNormParams;
  /** `wo` is absent with `outputProjection: false`. */
  attn: { wq: tf.Variable; wk: tf.Variable; wv: tf.Variable; wo?: tf.Variable };
  ln2?: LayerNormParams;
  mlp?: { w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable };
}

/** Every weight of a model by where it sits. */
export interface ModelParams {
  embed: { tokens?: tf.Variable; positions?: tf.Variable };
  blocks: BlockParams[];
  lnFinal?: LayerNormParams;
  head?: { w: tf.Variable; b: tf.Variable };
}

/**
 * The parameters of a config, as a list in a fixed order and as the record of where each sits;
 * each is drawn from the seed's stream named after it (so a deeper model shares its first blocks
 * with a shallower one).
 */
export function makeParameters(
  c: ResolvedConfig,
  seed: Seed,
  id: number,
): { list: Parameter[]; tree: ModelParams } {
  const root = new Rng(seed);
  const params: Parameter[] = [];
  const add = (
    name: string,
    group: ParamGroup,
    layer: number | null,
    shape: number[],
    spec: Parameters<typeof initialize>[0],
  ): tf.Variable => {
    const value = initialize(spec, shape, root.fork(name));
    // tfjs variable names are global to the process: prefix them with the model's id.
    const variable = tf.variable(value, true, `trainlab/m${id}/${name}`);
    params.push({ name, group, layer, shape, variable });
    value.dispose();
    return variable;
  };
  const normal = (std: number) => ({ kind: 'normal', std }) as const;
  const zeros = { kind: 'zeros' } as const;
  const ones = { kind: 'constant', value: 1 } as const;
  const { dModel: d, heads, headDim } = c;
  const inner = heads * headDim;
  const values = heads * c.valueDim;

  const tree: ModelParams = { embed: {}, blocks: [] };
  if (c.vocabSize !== null) {
    tree.embed.tokens = add('embed.tokens', 'embed', null, [c.vocabSize, d], {
      kind: 'normal',
      std: c.init.embed,
      fanIn: 'none',
    });
  }
  if (c.positional === 'learned') {
    tree.embed.positions = add('embed.positions', 'embed', null, [c.maxLength!, d], {
      kind: 'normal',
      std: c.init.embed,
      fanIn: 'none',
    });
  }
  // A LayerNorm entry exists wherever one is applied; its gain and bias only when they are learned.
  const norm = (prefix: string, layer: number | null): LayerNormParams =>
    c.normAffine
      ? {
          gamma: add(`${prefix}.gamma`, 'ln', layer, [d], ones),
          beta: add(`${prefix}.beta`, 'ln', layer, [d], zeros),
        }
      : {};
  for (let l = 0; l < c.depth; l++) {
    const p = `blocks.${l}`;
    const ln1 = c.norm !== 'none' ? norm(`${p}.ln1`, l) : undefined;
    const attn: BlockParams['attn'] = {
      wq: add(`${p}.attn.wq`, 'q', l, [d, inner], normal(c.init.q)),
      wk: add(`${p}.attn.wk`, 'k', l, [d, inner], normal(c.init.k)),
      wv: add(`${p}.attn.wv`, 'v', l, [d, values], normal(c.init.v)),
    };
    if (c.outputProjection) attn.wo = add(`${p}.attn.wo`, 'o', l, [values, d], normal(c.init.o));
    const block: BlockParams = { attn };
    if (ln1) block.ln1 = ln1;
    if (c.mlp) {
      if (c.norm !== 'none') block.ln2 = norm(`${p}.ln2`, l);
      block.mlp = {
        w1: add(`${p}.mlp.w1`, 'mlp', l, [d, c.mlp.hidden], normal(c.init.mlp1)),
        b1: add(`${p}.mlp.b1`, 'mlp', l, [c.mlp.hidden], zeros),
        w2: add(`${p}.mlp.w2`, 'mlp', l, [c.mlp.hidden, d], normal(c.init.mlp2)),
        b2: add(`${p}.mlp.b2`, 'mlp', l, [d], zeros),
      };
    }
    tree.blocks.push(block);
  }
  if (c.finalNorm) tree.lnFinal = norm('lnFinal', null);
  if (c.outputs !== null) {
    tree.head = {
      w: add('head.w', 'head', null, [d, c.outputs], normal(c.init.head)),
      b: add('head.b', 'head', null, [c.outputs], zeros),
    };
  }
  return { list: params, tree };
}
