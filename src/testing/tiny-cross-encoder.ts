import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeOnnxModel, ONNX_FLOAT, ONNX_INT64, onnxNode, onnxTensor, onnxValueInfo } from './encode-onnx-model.js';
import { sharedPath } from './shared-data.js';
import { seededRandom as mulberry32 } from '../core/seeded-random.js';

/** BERT uncased ids 0..103 are [PAD], [unused*], [UNK], [CLS], [SEP], [MASK]: never counted as overlap. */
const LAST_SPECIAL_ID = 103;
const VOCAB_SIZE = 30522;
export interface TinyCrossEncoderOptions {
  /** Output logits per pair: 1 (ms-marco style, default) or 2 (negative, positive). */
  labels?: 1 | 2;
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

/**
 * Writes a tiny BERT-style cross-encoder into `dir` in the transformers.js local layout and returns
 * `dir`. Inputs `input_ids`, `attention_mask`, `token_type_ids` (int64 [batch, seq]); output `logits`
 * (float [batch, 1]). The graph rewards exact lexical overlap, so a test can tell relevant from
 * irrelevant passages:
 *
 *   live_i    = attention_mask_i · (input_ids_i > 103)       specials and padding count 0
 *   q_i, p_i  = live_i · (1 − token_type_ids_i), live_i · token_type_ids_i
 *   present_j = min(1, Σ_i q_i · [input_ids_i = input_ids_j])  passage token j occurs in the query
 *   logits    = Σ_j present_j · p_j · w[input_ids_j] / (Σ_j p_j + 1) + 0.01 + 0.0001 · Σ_i attention_mask_i
 *
 * i.e. the share of passage tokens found in the query, each weighted by a seeded per-token weight
 * w ∈ [0.75, 1.25], plus a small term for the pair's length. Padding adds nothing when the attention
 * mask is right (and shifts the score when it is not), so scores do not depend on batch composition;
 * a passage sharing no content token with the query scores exactly 0.01 + 0.0001 · (pair tokens). `model_quantized.onnx` (dtype q8) is
 * the same float graph: the fixture tests loading and batching, not quantization. Tokenizer files
 * come from `../shared/models/cairn/tiny-random-bert/` (the MiniLM uncased WordPiece vocabulary).
 * With `labels: 2` the output is [batch, 2] = [−s/2, s/2] for the score s above, so the positive
 * class's log-odds (logit1 − logit0) equal the one-label score.
 */
export async function buildTinyCrossEncoder(dir: string, options: TinyCrossEncoderOptions = {}): Promise<string> {
  const labels = options.labels ?? 1;
  const tokenizerDir = sharedPath('models', 'cairn', 'tiny-random-bert');
  if (!tokenizerDir) throw new Error('buildTinyCrossEncoder needs ../shared/models/cairn/tiny-random-bert for its tokenizer.');
  await mkdir(join(dir, 'onnx'), { recursive: true });
  for (const file of TOKENIZER_FILES) await copyFile(join(tokenizerDir, file), join(dir, file));
  const config = {
    _name_or_path: 'cairn/tiny-cross-encoder',
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    num_labels: labels,
    id2label: labels === 1 ? { '0': 'LABEL_0' } : { '0': 'LABEL_0', '1': 'LABEL_1' },
    label2id: labels === 1 ? { LABEL_0: 0 } : { LABEL_0: 0, LABEL_1: 1 },
    vocab_size: VOCAB_SIZE,
    hidden_size: 1,
    num_hidden_layers: 0,
    num_attention_heads: 1,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    pad_token_id: 0,
  };
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const model = tinyCrossEncoderGraph(labels);
  await writeFile(join(dir, 'onnx', 'model.onnx'), model);
  await writeFile(join(dir, 'onnx', 'model_quantized.onnx'), model);
  return dir;
}

function tinyCrossEncoderGraph(labels: 1 | 2): Uint8Array {
  const random = mulberry32(20261121);
  const tokenWeights = new Float32Array(VOCAB_SIZE).map(() => 0.75 + 0.5 * random());
  const int64 = (value: number) => BigInt64Array.of(BigInt(value));
  const initializers = [
    onnxTensor('last_special', [], int64(LAST_SPECIAL_ID)),
    onnxTensor('one', [], Float32Array.of(1)),
    onnxTensor('axis_1', [1], int64(1)),
    onnxTensor('axis_2', [1], int64(2)),
    onnxTensor('token_weights', [VOCAB_SIZE], tokenWeights),
    onnxTensor('bias', [1], Float32Array.of(0.01)),
    onnxTensor('length_weight', [], Float32Array.of(0.0001)),
    onnxTensor('two_label_split', [2], Float32Array.of(-0.5, 0.5)),
  ];
  const nodes = [
    onnxNode('Cast', ['attention_mask'], ['mask'], [{ name: 'to', int: ONNX_FLOAT }]),
    onnxNode('Cast', ['token_type_ids'], ['segment'], [{ name: 'to', int: ONNX_FLOAT }]),
    onnxNode('Greater', ['input_ids', 'last_special'], ['is_content']),
    onnxNode('Cast', ['is_content'], ['content'], [{ name: 'to', int: ONNX_FLOAT }]),
    onnxNode('Mul', ['mask', 'content'], ['live']),
    onnxNode('Mul', ['live', 'segment'], ['passage_weight']),
    onnxNode('Sub', ['live', 'passage_weight'], ['query_weight']),
    onnxNode('Unsqueeze', ['input_ids', 'axis_2'], ['ids_rows']),
    onnxNode('Unsqueeze', ['input_ids', 'axis_1'], ['ids_columns']),
    onnxNode('Equal', ['ids_rows', 'ids_columns'], ['same_token']),
    onnxNode('Cast', ['same_token'], ['same'], [{ name: 'to', int: ONNX_FLOAT }]),
    onnxNode('Unsqueeze', ['query_weight', 'axis_2'], ['query_rows']),
    onnxNode('Mul', ['same', 'query_rows'], ['query_matches']),
    onnxNode('ReduceSum', ['query_matches', 'axis_1'], ['match_count'], [{ name: 'keepdims', int: 0 }]),
    onnxNode('Min', ['match_count', 'one'], ['present']),
    onnxNode('Gather', ['token_weights', 'input_ids'], ['weight'], [{ name: 'axis', int: 0 }]),
    onnxNode('Mul', ['present', 'passage_weight'], ['hit']),
    onnxNode('Mul', ['hit', 'weight'], ['weighted_hit']),
    onnxNode('ReduceSum', ['weighted_hit', 'axis_1'], ['hits'], [{ name: 'keepdims', int: 1 }]),
    onnxNode('ReduceSum', ['passage_weight', 'axis_1'], ['passage_length'], [{ name: 'keepdims', int: 1 }]),
    onnxNode('Add', ['passage_length', 'one'], ['passage_norm']),
    onnxNode('Div', ['hits', 'passage_norm'], ['hit_share']),
    onnxNode('ReduceSum', ['mask', 'axis_1'], ['pair_length'], [{ name: 'keepdims', int: 1 }]),
    onnxNode('Mul', ['pair_length', 'length_weight'], ['length_term']),
    onnxNode('Add', ['hit_share', 'bias'], ['biased']),
    onnxNode('Add', ['biased', 'length_term'], [labels === 1 ? 'logits' : 'score']),
    ...(labels === 2 ? [onnxNode('Mul', ['score', 'two_label_split'], ['logits'])] : []),
  ];
  const inputs = ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => onnxValueInfo(name, ONNX_INT64, ['batch_size', 'sequence_length']));
  const outputs = [onnxValueInfo('logits', ONNX_FLOAT, ['batch_size', labels])];
  return encodeOnnxModel('tiny_cross_encoder', { nodes, initializers, inputs, outputs });
}

