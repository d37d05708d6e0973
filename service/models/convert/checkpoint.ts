/**
 * What every architecture's converter shares about a Hugging Face checkpoint: which architectures are understood
 * (and what each builds), the architecture named by a `config.json`, and a weight lookup that resolves the
 * optional base-model prefix (`bert.`, `mpnet.`) and checks every shape.
 */
import { strataError } from '../../errors.ts';
import type { SafetensorsFile } from './safetensors.ts';

/** Architectures the converter understands: the graph family that wires them and the head it builds. */
export const SUPPORTED_ARCHITECTURES = {
  BertModel: { family: 'bert', head: 'encoder' },
  BertForMaskedLM: { family: 'bert', head: 'encoder' },
  BertForSequenceClassification: { family: 'bert', head: 'classifier' },
  MPNetModel: { family: 'mpnet', head: 'encoder' },
  MPNetForMaskedLM: { family: 'mpnet', head: 'encoder' },
} as const;

export type Architecture = keyof typeof SUPPORTED_ARCHITECTURES;
export type HeadKind = (typeof SUPPORTED_ARCHITECTURES)[Architecture]['head'];
export type Family = (typeof SUPPORTED_ARCHITECTURES)[Architecture]['family'];

/** `model_type` values that name an architecture when `architectures` is absent. */
const BY_MODEL_TYPE: Record<string, Architecture> = { bert: 'BertModel', mpnet: 'MPNetModel' };

/**
 * The architecture a parsed `config.json` names (`architectures[0]`, else from `model_type`); throws naming the
 * file and listing the supported ones when the converter does not know it.
 *
 * @example architectureOf({ architectures: ['MPNetForMaskedLM'] }, 'config.json') // { name: 'MPNetForMaskedLM', family: 'mpnet', head: 'encoder' }
 */
export function architectureOf(raw: unknown, file: string): { name: Architecture; family: Family; head: HeadKind } {
  const archs = (raw as { architectures?: unknown })?.architectures;
  const modelType = (raw as { model_type?: unknown })?.model_type;
  const fromType = typeof modelType === 'string' ? BY_MODEL_TYPE[modelType] : undefined;
  const name = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : (fromType ?? String(archs ?? modelType));
  if (!Object.hasOwn(SUPPORTED_ARCHITECTURES, name)) {
    throw strataError('model_unsupported', { architecture: name, file, supported: Object.keys(SUPPORTED_ARCHITECTURES).join(', ') });
  }
  const arch = name as Architecture;
  return { name: arch, ...SUPPORTED_ARCHITECTURES[arch] };
}

export interface Weights {
  /** The tensor `name` (without the base-model prefix for encoder weights), checked against `shape`. */
  get(name: string, shape: number[]): Float32Array;
  /** The shape of a tensor, or undefined when absent. */
  shapeOf(name: string): number[] | undefined;
}

/**
 * Wraps a safetensors file: encoder weights are looked up with or without `prefix` (task checkpoints nest the
 * base model under it); head weights (`classifier.*`) as named. Errors name the tensor and give expected vs
 * actual shape.
 *
 * @example checkpointWeights(st, 'bert.').get('embeddings.word_embeddings.weight', [30522, 384]);
 */
export function checkpointWeights(st: SafetensorsFile, prefix: string): Weights {
  const probe = 'embeddings.word_embeddings.weight';
  const used = st.tensors.has(probe) || !st.tensors.has(prefix + probe) ? '' : prefix;
  const resolve = (name: string) => (name.startsWith('classifier.') ? name : used + name);
  return {
    shapeOf: (name) => st.tensors.get(resolve(name))?.shape,
    get(name, shape) {
      const full = resolve(name);
      const info = st.tensors.get(full);
      if (!info) {
        const alt = name.startsWith('classifier.') ? '' : ` (also tried "${used ? name : prefix + name}")`;
        throw strataError('model_error', { file: st.file, reason: `missing tensor "${full}"${alt}` });
      }
      if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
        throw strataError('model_error', {
          file: st.file,
          reason: `tensor "${full}" has shape [${info.shape.join(', ')}], expected [${shape.join(', ')}]`,
        });
      }
      return st.float32(full);
    },
  };
}

/** `hidden_act` values and the GELU form each one means. */
export const ACTIVATIONS = { gelu: 'erf', gelu_new: 'tanh', gelu_pytorch_tanh: 'tanh', gelu_fast: 'tanh', relu: 'relu' } as const;

/**
 * The activation a `hidden_act` names; throws naming the file and the supported values.
 *
 * @example activationOf('gelu', 'config.json') // 'erf'
 */
export function activationOf(hiddenAct: string, file: string): 'erf' | 'tanh' | 'relu' {
  const act = (ACTIVATIONS as Record<string, 'erf' | 'tanh' | 'relu'>)[hiddenAct];
  if (!act) throw strataError('model_error', { file, reason: `unsupported hidden_act "${hiddenAct}" (supported: ${Object.keys(ACTIVATIONS).join(', ')})` });
  return act;
}
