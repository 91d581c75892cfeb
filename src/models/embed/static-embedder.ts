import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import { loadTokenizer } from '../tokenize/load-tokenizer.js';
import type { Embedder, EmbedOptions, EmbedResult } from './embedder.js';
import { l2NormalizeInPlace } from './l2-normalize.js';
import { readSafetensorsTensor } from './read-safetensors.js';

/** model2vec's default `max_length` for `StaticModel.encode`. */
const MAX_TOKENS = 512;

interface TokenizerJson {
  model?: { unk_token?: string; vocab?: Record<string, number> | [string, number][] };
}

/**
 * A model2vec static embedder (`model.safetensors` tensor `embeddings` [vocab, dim], `tokenizer.json`,
 * `config.json`). Encoding follows model2vec's `StaticModel.encode`: cut the text to
 * 512 × (median vocabulary token length) characters, tokenize without special tokens, drop [UNK],
 * keep the first 512 ids, average their rows, L2-normalise. Vectors are always normalised (the store
 * compares by dot product), whatever `config.normalize` says. A text with no known token, or only
 * all-zero rows, gets the zero vector.
 */
export async function createStaticEmbedder(options: { id: string; modelDir: string }): Promise<Embedder> {
  const { modelDir } = options;
  const [tokenizer, tensor, tokenizerJson] = await Promise.all([
    loadTokenizer(modelDir),
    readSafetensorsTensor(join(modelDir, 'model.safetensors'), 'embeddings'),
    readFile(join(modelDir, 'tokenizer.json'), 'utf8').then((text) => JSON.parse(text) as TokenizerJson),
  ]);
  if (tensor.shape.length !== 2) {
    throw new CairnError('MODEL_NOT_FOUND', `The embeddings tensor in ${modelDir} has shape [${tensor.shape.join(', ')}], not [vocab, dim].`, {
      hint: 'Point static: at a model2vec model folder.',
    });
  }
  const rows = tensor.shape[0] as number;
  const dimensions = tensor.shape[1] as number;
  const matrix = tensor.data;
  const vocab = vocabularyTokens(tokenizerJson);
  const unkToken = tokenizerJson.model?.unk_token;
  const unkId = unkToken === undefined ? undefined : vocab.get(unkToken);
  const maxChars = MAX_TOKENS * medianLength([...vocab.keys()]);

  // Scratch for one text: which rows it uses (a row's stamp equals the current serial) and how often.
  const stamps = new Int32Array(rows);
  const counts = new Int32Array(rows);
  const distinct = new Int32Array(MAX_TOKENS);
  let serial = 0;
  const sum = new Float64Array(dimensions);
  const embedIds = (ids: readonly number[]): Float32Array => {
    if (serial === 0x7fffffff) {
      stamps.fill(0);
      serial = 0;
    }
    serial++;
    let used = 0;
    let unique = 0;
    for (let i = 0; i < ids.length && used < MAX_TOKENS; i++) {
      const id = ids[i] as number;
      if (id === unkId) continue;
      used++;
      if (id < 0 || id >= rows) continue;
      if (stamps[id] !== serial) {
        stamps[id] = serial;
        counts[id] = 1;
        distinct[unique++] = id;
      } else counts[id] = (counts[id] as number) + 1;
    }
    // Each distinct row is added once with its count as weight, in row order: the matrix is walked
    // in address order (2-3x faster than text order on docs-corpus chunks; memory-bound, 1 KiB rows),
    // and sorting the distinct ids costs less than sorting every id.
    const order = distinct.subarray(0, unique).sort();
    sum.fill(0);
    for (let i = 0; i < unique; i++) {
      const id = order[i] as number;
      addRow(sum, matrix, id * dimensions, counts[id] as number);
    }
    const vector = new Float32Array(dimensions);
    // The mean's division by `used` is dropped: normalising the sum gives the same unit vector.
    for (let d = 0; d < dimensions; d++) vector[d] = sum[d] as number;
    return l2NormalizeInPlace(vector);
  };
  const embedText = (text: string): { vector: Float32Array; tokens: number } => {
    const ids = tokenizer.encode(cutToChars(text, maxChars));
    return { vector: embedIds(ids), tokens: Math.min(ids.length, MAX_TOKENS) };
  };

  return {
    id: options.id,
    dimensions,
    device: 'cpu',
    maxTokens: MAX_TOKENS,
    maxBatchSize: 4096,
    tokenizer,
    embedTokenIds: (idLists: number[][]) => idLists.map(embedIds),
    embed: async ({ texts, signal }: EmbedOptions): Promise<EmbedResult> => {
      signal?.throwIfAborted();
      let tokens = 0;
      const vectors = texts.map((text) => {
        const result = embedText(text);
        tokens += result.tokens;
        return result.vector;
      });
      return { vectors, tokens };
    },
    embedQuery: async (text: string, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      return embedText(text).vector;
    },
  };
}

/** sum += weight × matrix[offset .. offset + sum.length); unrolled by 8. */
function addRow(sum: Float64Array, matrix: Float32Array, offset: number, weight: number): void {
  const length = sum.length;
  let d = 0;
  for (let o = offset; d + 8 <= length; d += 8, o += 8) {
    sum[d] = (sum[d] as number) + weight * (matrix[o] as number);
    sum[d + 1] = (sum[d + 1] as number) + weight * (matrix[o + 1] as number);
    sum[d + 2] = (sum[d + 2] as number) + weight * (matrix[o + 2] as number);
    sum[d + 3] = (sum[d + 3] as number) + weight * (matrix[o + 3] as number);
    sum[d + 4] = (sum[d + 4] as number) + weight * (matrix[o + 4] as number);
    sum[d + 5] = (sum[d + 5] as number) + weight * (matrix[o + 5] as number);
    sum[d + 6] = (sum[d + 6] as number) + weight * (matrix[o + 6] as number);
    sum[d + 7] = (sum[d + 7] as number) + weight * (matrix[o + 7] as number);
  }
  for (; d < length; d++) sum[d] = (sum[d] as number) + weight * (matrix[offset + d] as number);
}

function vocabularyTokens(json: TokenizerJson): Map<string, number> {
  const vocab = json.model?.vocab;
  if (!vocab) return new Map();
  // WordPiece/BPE store `{token: id}`; Unigram stores `[[token, score], ...]` with the index as id.
  if (Array.isArray(vocab)) return new Map(vocab.map(([token], index) => [token, index]));
  return new Map(Object.entries(vocab));
}

/** model2vec: `int(np.median([len(token) for token in vocabulary]))`; 1 for an empty vocabulary. */
export function medianLength(tokens: string[]): number {
  if (tokens.length === 0) return 1;
  const lengths = tokens.map((token) => [...token].length).sort((a, b) => a - b);
  const middle = lengths.length >> 1;
  const median = lengths.length % 2 ? (lengths[middle] as number) : ((lengths[middle - 1] as number) + (lengths[middle] as number)) / 2;
  return Math.max(1, Math.floor(median));
}

/** First `maxChars` UTF-16 units, never splitting a surrogate pair. */
function cutToChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const last = text.charCodeAt(maxChars - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars);
}
