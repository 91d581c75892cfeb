import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeOnnxModel, ONNX_FLOAT, ONNX_INT64, onnxNode, onnxTensor, onnxValueInfo } from './encode-onnx-model.js';
import { sharedPath } from './shared-data.js';

/** Hash buckets of the bag-of-tokens; distinct test words rarely share a bucket. */
export const TINY_CROSS_ENCODER_BUCKETS = 256;
/** BERT uncased ids 0..103 are [PAD], [unused*], [UNK], [CLS], [SEP], [MASK]: never counted as overlap. */
const LAST_SPECIAL_ID = 103;
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

/**
 * Writes a tiny BERT-style cross-encoder into `dir` in the transformers.js local layout and returns
 * `dir`. Inputs `input_ids`, `attention_mask`, `token_type_ids` (int64 [batch, seq]); output `logits`
 * (float [batch, 1]). The graph rewards lexical overlap, so a test can tell relevant from irrelevant:
 *
 *   live   = attention_mask · (input_ids > 103)          per token; specials and padding count 0
 *   q, p   = live · (1 − token_type_ids), live · token_type_ids
 *   Q, P   = Σ_tokens onehot(input_ids mod 256) · q  (resp. p)          bags over 256 buckets
 *   logits = ((min(Q, 1) ⊙ P) / (Σ p + 1)) · W + b
 *
 * i.e. the share of passage tokens that occur in the query, weighted per bucket by W (seeded, in
 * [0.75, 1.25]). Padding adds nothing, so scores do not depend on batch composition. The
 * `model_quantized.onnx` (dtype q8) is the same float graph: the fixture tests loading, not quantization.
 * Tokenizer files come from `../shared/models/cairn/tiny-random-bert/` (the MiniLM uncased WordPiece).
 */
export async function buildTinyCrossEncoder(dir: string): Promise<string> {
  const tokenizerDir = sharedPath('models', 'cairn', 'tiny-random-bert');
  if (!tokenizerDir) throw new Error('buildTinyCrossEncoder needs ../shared/models/cairn/tiny-random-bert for its tokenizer.');
  await mkdir(join(dir, 'onnx'), { recursive: true });
  for (const file of TOKENIZER_FILES) await copyFile(join(tokenizerDir, file), join(dir, file));
  const config = {
    _name_or_path: 'cairn/tiny-cross-encoder',
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    num_labels: 1,
    id2label: { '0': 'LABEL_0' },
    label2id: { LABEL_0: 0 },
    vocab_size: 30522,
    hidden_size: TINY_CROSS_ENCODER_BUCKETS,
    num_hidden_layers: 0,
    num_attention_heads: 1,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    pad_token_id: 0,
  };
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const model = tinyCrossEncoderGraph();
  await writeFile(join(dir, 'onnx', 'model.onnx'), model);
  await writeFile(join(dir, 'onnx', 'model_quantized.onnx'), model);
  return dir;
}

function tinyCrossEncoderGraph(): Uint8Array {
  const buckets = TINY_CROSS_ENCODER_BUCKETS;
  const random = mulberry32(20261121);
  const head = new Float32Array(buckets).map(() => 0.75 + 0.5 * random());
  const int64 = (value: number) => BigInt64Array.of(BigInt(value));
  const initializers = [
    onnxTensor('last_special', [], int64(LAST_SPECIAL_ID)),
    onnxTensor('buckets', [], int64(buckets)),
    onnxTensor('onehot_values', [2], Float32Array.of(0, 1)),
    onnxTensor('one', [], Float32Array.of(1)),
    onnxTensor('seq_axis', [1], int64(1)),
    onnxTensor('last_axis', [1], int64(-1)),
    onnxTensor('head_weight', [buckets, 1], head),
    onnxTensor('head_bias', [1], Float32Array.of(0.01)),
  ];
  const nodes = [
    onnxNode('Cast', ['attention_mask'], ['mask'], [{ name: 'to', int: ONNX_FLOAT }]),
    onnxNode('Cast', ['token_type_ids'], ['segment'], [{ name: 'to', int: ONNX_FLOAT }]),
    onnxNode('Greater', ['input_ids', 'last_special'], ['is_content']),
    onnxNode('Cast', ['is_content'], ['content'], [{ name: 'to', int: ONNX_FLOAT }]),
    onnxNode('Mul', ['mask', 'content'], ['live']),
    onnxNode('Mul', ['live', 'segment'], ['passage_weight']),
    onnxNode('Sub', ['live', 'passage_weight'], ['query_weight']),
    onnxNode('Mod', ['input_ids', 'buckets'], ['bucket']),
    onnxNode('OneHot', ['bucket', 'buckets', 'onehot_values'], ['onehot'], [{ name: 'axis', int: -1 }]),
    onnxNode('Unsqueeze', ['query_weight', 'last_axis'], ['query_weight3']),
    onnxNode('Unsqueeze', ['passage_weight', 'last_axis'], ['passage_weight3']),
    onnxNode('Mul', ['onehot', 'query_weight3'], ['query_tokens']),
    onnxNode('Mul', ['onehot', 'passage_weight3'], ['passage_tokens']),
    onnxNode('ReduceSum', ['query_tokens', 'seq_axis'], ['query_bag'], [{ name: 'keepdims', int: 0 }]),
    onnxNode('ReduceSum', ['passage_tokens', 'seq_axis'], ['passage_bag'], [{ name: 'keepdims', int: 0 }]),
    onnxNode('ReduceSum', ['passage_weight', 'seq_axis'], ['passage_length'], [{ name: 'keepdims', int: 1 }]),
    onnxNode('Add', ['passage_length', 'one'], ['passage_norm']),
    onnxNode('Min', ['query_bag', 'one'], ['query_present']),
    onnxNode('Mul', ['query_present', 'passage_bag'], ['hits']),
    onnxNode('Div', ['hits', 'passage_norm'], ['hit_share']),
    onnxNode('MatMul', ['hit_share', 'head_weight'], ['head_out']),
    onnxNode('Add', ['head_out', 'head_bias'], ['logits']),
  ];
  const inputs = ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => onnxValueInfo(name, ONNX_INT64, ['batch_size', 'sequence_length']));
  const outputs = [onnxValueInfo('logits', ONNX_FLOAT, ['batch_size', 1])];
  return encodeOnnxModel('tiny_cross_encoder', { nodes, initializers, inputs, outputs });
}

/** Deterministic uniform [0, 1) numbers from a 32-bit seed (mulberry32). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
