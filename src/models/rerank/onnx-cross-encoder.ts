import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import { onnxSessionOptions } from '../model-files/configure-transformers.js';
import { loadOnDevice, type OnnxDevicePreference } from '../model-files/onnx-device.js';
import { loadTokenizer } from '../tokenize/load-tokenizer.js';
import type { Reranker, RerankOptions, RerankResult } from './reranker.js';

export interface OnnxCrossEncoderOptions {
  /** Recorded id (`onnx:<model-id>`). */
  id: string;
  /** A complete local model folder (config, tokenizer, `onnx/` weights for `dtype`). */
  modelDir: string;
  dtype: 'q8' | 'fp32' | 'fp16';
  /** onnxruntime intra-op threads; 0 keeps onnxruntime's default. */
  threads: number;
  /** Pairs per model run. */
  batchSize: number;
  /** `embed.device`: `cpu` (default), or `cuda` / `auto` with a fallback to the CPU (model-files/onnx-device.ts). */
  device?: OnnxDevicePreference;
  /** Where a `cuda` request that fell back to the CPU is reported. */
  onNotice?: (text: string) => void;
  /** Let onnxruntime's idle threads spin-wait; off for the reason given in onnx-embedder.ts. */
  allowSpinning?: boolean;
}

interface ModelConfig {
  max_position_embeddings?: number;
  num_labels?: number;
  id2label?: Record<string, string>;
  pad_token_id?: number;
}

/** One tokenized (query, passage) pair, special tokens included. */
interface EncodedPair {
  ids: number[];
  types: number[];
}

/**
 * A cross-encoder run in-process with transformers.js (onnxruntime-node): BERT-style
 * `[CLS] query [SEP] passage [SEP]` with token type ids, one score per pair.
 *
 * Score: with one logit (the ms-marco MiniLM models) the logit itself; with two logits the log-odds
 * of the positive class (label 1), `logit1 − logit0`, which orders pairs as softmax P(relevant) does.
 * Pairs longer than the model's positions lose the end of the passage first, then the end of the
 * query; the closing [SEP] tokens are kept (transformers.js' own truncation would cut the last [SEP]).
 * A call sorts its pairs by length and runs sub-batches of at most `batchSize` (less padding);
 * scores come back in input order and do not depend on how the pairs were batched.
 */
export async function createOnnxCrossEncoder(options: OnnxCrossEncoderOptions): Promise<Reranker> {
  const { modelDir } = options;
  const config = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as ModelConfig;
  const labels = config.num_labels ?? (config.id2label ? Object.keys(config.id2label).length : 1);
  if (labels !== 1 && labels !== 2) {
    throw new CairnError('RERANKER_UNAVAILABLE', `${join(modelDir, 'config.json')} declares ${labels} labels; a cross-encoder has 1 or 2.`, {
      hint: 'Use a sequence-classification reranker such as Xenova/ms-marco-MiniLM-L-6-v2, or set CAIRN_RERANKER=none.',
    });
  }
  const { AutoModelForSequenceClassification, AutoTokenizer, Tensor } = await import('@huggingface/transformers');
  const [counter, tokenizer] = await Promise.all([loadTokenizer(modelDir), AutoTokenizer.from_pretrained(modelDir, { local_files_only: true })]);
  let model: Awaited<ReturnType<typeof AutoModelForSequenceClassification.from_pretrained>>;
  let device: 'cpu' | 'cuda';
  try {
    ({ value: model, device } = await loadOnDevice(
      options.device ?? 'cpu',
      `Reranker ${options.id}`,
      (on) =>
        AutoModelForSequenceClassification.from_pretrained(modelDir, { dtype: options.dtype, device: on, local_files_only: true, session_options: onnxSessionOptions(options.threads, options.allowSpinning) }),
      options.onNotice,
    ));
  } catch (error) {
    throw new CairnError('RERANKER_UNAVAILABLE', `Could not load the ONNX cross-encoder in ${modelDir} (${options.dtype}): ${(error as Error).message}`, {
      cause: error,
      hint: 'Run `cairn models pull <id>` again, try `"models": { "onnxDtype": "fp32" }` in cairn.config.json, or set CAIRN_RERANKER=none.',
    });
  }

  const modelMax = Number.isFinite(tokenizer.model_max_length) ? tokenizer.model_max_length : Number.POSITIVE_INFINITY;
  const maxLength = Math.min(modelMax, config.max_position_embeddings ?? 512);
  const padId = tokenizer.pad_token_id ?? config.pad_token_id ?? 0;
  const batchSize = Math.max(1, options.batchSize);
  // RoBERTa-style cross-encoders have no token_type_ids input; passing one makes transformers.js warn per call.
  const sessions = (model as unknown as { sessions?: Record<string, { inputNames?: string[] }> }).sessions;
  const takesTokenTypes = sessions?.model?.inputNames?.includes('token_type_ids') ?? true;
  // A bare encoder (feature extraction, `last_hidden_state`) loads as a sequence classifier without
  // complaint and would fail on the first query; refuse it here, once, with what to use instead.
  const outputs = sessions?.model && 'outputNames' in sessions.model ? (sessions.model as { outputNames?: string[] }).outputNames : undefined;
  if (outputs !== undefined && !outputs.includes('logits')) {
    await model.dispose();
    throw new CairnError(
      'RERANKER_UNAVAILABLE',
      `The model in ${modelDir} has no classification head: it outputs ${outputs.join(', ') || 'nothing'}, a cross-encoder outputs logits.`,
      { hint: 'Use a sequence-classification cross-encoder export such as Xenova/ms-marco-MiniLM-L-6-v2 (an embedding model cannot rerank), or set CAIRN_RERANKER=none.' },
    );
  }

  const encodePair = (query: string, passage: string): EncodedPair => {
    const encoded = tokenizer(query, { text_pair: passage, add_special_tokens: true, return_tensor: false }) as unknown as {
      input_ids: number[];
      token_type_ids?: number[];
    };
    const ids = [...encoded.input_ids];
    const types = encoded.token_type_ids ? [...encoded.token_type_ids] : new Array<number>(ids.length).fill(0);
    return truncatePair(ids, types, maxLength);
  };
  const specialTokens = encodePair('a', 'b').ids.length - 2;

  const runBatch = async (batch: EncodedPair[]): Promise<number[]> => {
    const longest = Math.max(...batch.map((pair) => pair.ids.length));
    const inputIds = new BigInt64Array(batch.length * longest).fill(BigInt(padId));
    const mask = new BigInt64Array(batch.length * longest);
    const typeIds = new BigInt64Array(batch.length * longest);
    batch.forEach((pair, row) => {
      for (let j = 0; j < pair.ids.length; j++) {
        inputIds[row * longest + j] = BigInt(pair.ids[j] as number);
        mask[row * longest + j] = 1n;
        typeIds[row * longest + j] = BigInt(pair.types[j] as number);
      }
    });
    const dims = [batch.length, longest];
    const inputs: Record<string, InstanceType<typeof Tensor>> = {
      input_ids: new Tensor('int64', inputIds, dims),
      attention_mask: new Tensor('int64', mask, dims),
    };
    if (takesTokenTypes) inputs.token_type_ids = new Tensor('int64', typeIds, dims);
    const output = (await model(inputs)) as Record<string, InstanceType<typeof Tensor>>;
    const logits = output.logits;
    const width = logits?.dims[1];
    if (logits?.dims.length !== 2 || logits.dims[0] !== batch.length || (width !== 1 && width !== 2)) {
      throw new CairnError('RERANKER_UNAVAILABLE', `The model in ${modelDir} did not return logits of shape [batch, 1] or [batch, 2].`, {
        hint: 'Use a transformers.js sequence-classification export of a cross-encoder.',
      });
    }
    const data = (logits.type === 'float32' ? logits : logits.to('float32')).data as Float32Array;
    return batch.map((_, row) => (width === 1 ? (data[row] as number) : (data[row * 2 + 1] as number) - (data[row * 2] as number)));
  };

  const rerank = async ({ query, documents, signal }: RerankOptions): Promise<RerankResult> => {
    throwIfAborted(signal);
    const pairs = documents.map((document) => encodePair(query, document));
    const order = pairs.map((_, index) => index).sort((a, b) => (pairs[a] as EncodedPair).ids.length - (pairs[b] as EncodedPair).ids.length);
    const scores = new Array<number>(documents.length);
    for (let start = 0; start < order.length; start += batchSize) {
      const members = order.slice(start, start + batchSize);
      const batchScores = await runBatch(members.map((index) => pairs[index] as EncodedPair));
      members.forEach((index, k) => {
        scores[index] = batchScores[k] as number;
      });
      throwIfAborted(signal);
    }
    return { scores };
  };

  return {
    id: options.id,
    device,
    maxBatchSize: batchSize,
    maxTokens: maxLength - specialTokens,
    tokenizer: counter,
    rerank,
    close: async () => {
      await model.dispose();
    },
  };
}

/**
 * Shortens `[CLS] A [SEP] B [SEP]` to `maxLength` tokens: the end of B goes first, then the end of A.
 * Segments are found by token type (0 = A, 1 = B); each segment's last token (its [SEP]) stays. A pair
 * without a second segment is cut before its final token.
 */
export function truncatePair(ids: number[], types: number[], maxLength: number): EncodedPair {
  let excess = ids.length - maxLength;
  if (excess <= 0) return { ids, types };
  const firstB = types.indexOf(1);
  const cut = (from: number, to: number): void => {
    // Removes up to `excess` tokens that end just before index `to` and start no earlier than `from`.
    const count = Math.min(excess, Math.max(0, to - from));
    ids.splice(to - count, count);
    types.splice(to - count, count);
    excess -= count;
  };
  if (firstB >= 0) {
    cut(firstB, ids.length - 1);
    if (excess > 0) cut(1, types.indexOf(1) - 1);
  } else {
    cut(1, ids.length - 1);
  }
  return { ids, types };
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CairnError('ABORTED', 'Reranking was cancelled.', { cause: signal.reason });
}
