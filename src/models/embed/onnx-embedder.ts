import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import { onnxSessionOptions } from '../model-files/configure-transformers.js';
import { loadOnDevice, type OnnxDevicePreference } from '../model-files/onnx-device.js';
import { loadTokenizer } from '../tokenize/load-tokenizer.js';
import type { Embedder, EmbedOptions, EmbedResult } from './embedder.js';
import { l2NormalizeInPlace } from './l2-normalize.js';

export interface OnnxEmbedderOptions {
  /** Recorded id (`onnx:<model-id>`). */
  id: string;
  /** A complete local model folder (config, tokenizer, `onnx/` weights for `dtype`). */
  modelDir: string;
  dtype: 'q8' | 'fp32' | 'fp16';
  /** onnxruntime intra-op threads; 0 keeps onnxruntime's default (one per physical core). */
  threads: number;
  /**
   * Let onnxruntime's idle worker threads spin-wait (its default). Off by default: on a 2-core machine
   * shared with parsing and SQLite writes, spinning burnt about 20% more CPU per passage for no gain
   * in wall time (minilm-l6-shape-random q8, 256 tokens: 57-61 vs 44-48 CPU ms per passage under load).
   */
  allowSpinning?: boolean;
  /** `embed.device`: `cpu` (default), or `cuda` / `auto` with a fallback to the CPU (model-files/onnx-device.ts). */
  device?: OnnxDevicePreference;
  /** Where a `cuda` request that fell back to the CPU is reported. */
  onNotice?: (text: string) => void;
  /** Texts per model run; sorted-by-length sub-batches of a call never exceed it. Default DEFAULT_SUB_BATCH_TEXTS. */
  subBatchSize?: number;
  /** Padded tokens per model run (batch × longest sequence). Default DEFAULT_SUB_BATCH_TOKENS. */
  subBatchTokens?: number;
}

/** Default texts per model run (short texts, such as queries, share a run). */
export const DEFAULT_SUB_BATCH_TEXTS = 32;
/**
 * Default padded tokens per model run: four 256-token chunks. Attention holds batch × heads × seq²
 * floats per layer and onnxruntime's arena keeps the peak, so the run size sets the resident memory;
 * on CPU larger runs are not faster. MiniLM-shaped model, q8, 256 chunks of 240+ tokens, this
 * machine (2026-11-21): 8,192 tokens per run 1,210 MiB RSS and 11.1-12.6 s of CPU; 2,048 592 MiB and
 * 11.3-12.2 s; 1,024 465-493 MiB and 10.6-10.9 s. At 8,192 an ingest peaked at 1.33 GiB.
 */
export const DEFAULT_SUB_BATCH_TOKENS = 1024;

interface ModelConfig {
  hidden_size?: number;
  max_position_embeddings?: number;
  pad_token_id?: number;
}

/**
 * A transformer encoder run in-process with transformers.js (onnxruntime-node): mean pooling over
 * the attention mask, then L2 normalisation (the sentence-transformers recipe for MiniLM, bge, gte).
 *
 * Each call tokenizes its texts once, sorts them by token length and runs sub-batches of similar
 * length, because on CPU the time of a run grows with batch × longest sequence: padding is waste.
 * Results come back in input order. Inputs longer than the model's positions are truncated.
 * `maxTokens` counts tokens without special tokens (`max_position_embeddings` minus [CLS]/[SEP]),
 * the unit the chunker packs with.
 */
export async function createOnnxEmbedder(options: OnnxEmbedderOptions): Promise<Embedder> {
  const { modelDir } = options;
  const config = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as ModelConfig;
  const transformers = await import('@huggingface/transformers');
  const { AutoModel, AutoTokenizer, Tensor } = transformers;
  const [tokenizer, hfTokenizer] = await Promise.all([loadTokenizer(modelDir), AutoTokenizer.from_pretrained(modelDir, { local_files_only: true })]);
  let model: Awaited<ReturnType<typeof AutoModel.from_pretrained>>;
  let device: 'cpu' | 'cuda';
  try {
    ({ value: model, device } = await loadOnDevice(
      options.device ?? 'cpu',
      `Embedder ${options.id}`,
      (on) => AutoModel.from_pretrained(modelDir, { dtype: options.dtype, device: on, local_files_only: true, session_options: onnxSessionOptions(options.threads, options.allowSpinning) }),
      options.onNotice,
    ));
  } catch (error) {
    throw new CairnError('EMBEDDER_UNAVAILABLE', `Could not load the ONNX model in ${modelDir} (${options.dtype}): ${(error as Error).message}`, {
      cause: error,
      hint: 'Run `cairn models pull <id>` again, try `"models": { "onnxDtype": "fp32" }` in cairn.config.json, or set CAIRN_EMBEDDER=none.',
    });
  }

  // The special tokens the tokenizer wraps a single text in (BERT: [CLS] … [SEP]; RoBERTa: <s> … </s>),
  // found by encoding a probe with and without them.
  const probe = tokenizer.encode('hello');
  const wrapped = hfTokenizer.encode('hello', { add_special_tokens: true });
  const at = findSubsequence(wrapped, probe);
  const prefix = at < 0 ? [] : wrapped.slice(0, at);
  const suffix = at < 0 ? [] : wrapped.slice(at + probe.length);
  const positions = config.max_position_embeddings ?? 512;
  const maxTokens = positions - prefix.length - suffix.length;
  const dimensions = config.hidden_size;
  if (!dimensions) {
    throw new CairnError('EMBEDDER_UNAVAILABLE', `${join(modelDir, 'config.json')} has no hidden_size.`, {
      hint: 'Use a transformers.js export of a BERT-like encoder.',
    });
  }
  const padId = BigInt(hfTokenizer.pad_token_id ?? config.pad_token_id ?? 0);
  const maxTexts = options.subBatchSize ?? DEFAULT_SUB_BATCH_TEXTS;
  const maxPadded = options.subBatchTokens ?? DEFAULT_SUB_BATCH_TOKENS;

  /** One model run over id lists (special tokens included); returns pooled, normalised vectors. */
  const runBatch = async (batch: number[][]): Promise<Float32Array[]> => {
    const longest = Math.max(...batch.map((ids) => ids.length));
    const inputIds = new BigInt64Array(batch.length * longest).fill(padId);
    const mask = new BigInt64Array(batch.length * longest);
    batch.forEach((ids, row) => {
      for (let j = 0; j < ids.length; j++) {
        inputIds[row * longest + j] = BigInt(ids[j] as number);
        mask[row * longest + j] = 1n;
      }
    });
    const dims = [batch.length, longest];
    const output = (await model({
      input_ids: new Tensor('int64', inputIds, dims),
      attention_mask: new Tensor('int64', mask, dims),
    })) as Record<string, InstanceType<typeof Tensor>>;
    const hidden = output.last_hidden_state ?? output.token_embeddings ?? Object.values(output)[0];
    if (hidden?.dims.length !== 3 || hidden.dims[2] !== dimensions) {
      throw new CairnError('EMBEDDER_UNAVAILABLE', `The model in ${modelDir} did not return [batch, seq, ${dimensions}] hidden states.`, {
        hint: 'Use a transformers.js feature-extraction export (output last_hidden_state).',
      });
    }
    const data = (hidden.type === 'float32' ? hidden : hidden.to('float32')).data as Float32Array;
    return batch.map((ids, row) => {
      const vector = new Float32Array(dimensions);
      for (let j = 0; j < ids.length; j++) {
        const offset = (row * longest + j) * dimensions;
        for (let d = 0; d < dimensions; d++) vector[d] = (vector[d] as number) + (data[offset + d] as number);
      }
      for (let d = 0; d < dimensions; d++) vector[d] = (vector[d] as number) / ids.length;
      return l2NormalizeInPlace(vector);
    });
  };

  const embedTexts = async (texts: string[], signal?: AbortSignal): Promise<EmbedResult> => {
    signal?.throwIfAborted();
    const inputs = texts.map((text) => [...prefix, ...tokenizer.encode(text).slice(0, maxTokens), ...suffix]);
    const order = inputs.map((_, index) => index).sort((a, b) => (inputs[a] as number[]).length - (inputs[b] as number[]).length);
    const vectors: Float32Array[] = new Array(texts.length);
    let tokens = 0;
    for (let start = 0; start < order.length; ) {
      // Sorted ascending, so the last member of a sub-batch is its longest.
      let end = start + 1;
      while (end < order.length && end - start < maxTexts && (inputs[order[end] as number] as number[]).length * (end - start + 1) <= maxPadded) end++;
      const members = order.slice(start, end);
      const batch = members.map((index) => inputs[index] as number[]);
      const pooled = await runBatch(batch);
      members.forEach((index, k) => {
        vectors[index] = pooled[k] as Float32Array;
        tokens += batch[k]?.length ?? 0;
      });
      signal?.throwIfAborted();
      start = end;
    }
    return { vectors, tokens };
  };

  return {
    id: options.id,
    dimensions,
    maxTokens,
    maxBatchSize: 64,
    device,
    tokenizer,
    embed: ({ texts, signal }: EmbedOptions) => embedTexts(texts, signal),
    embedQuery: async (text: string, signal?: AbortSignal) => (await embedTexts([text], signal)).vectors[0] as Float32Array,
    close: async () => {
      await model.dispose();
    },
  };
}

function findSubsequence(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
