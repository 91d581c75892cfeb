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

  const embedIds = (ids: readonly number[]): Float32Array => {
    const vector = new Float32Array(dimensions);
    let used = 0;
    for (let i = 0; i < ids.length && used < MAX_TOKENS; i++) {
      const id = ids[i] as number;
      if (id === unkId) continue;
      used++;
      if (id < 0 || id >= rows) continue;
      addRow(vector, matrix, id * dimensions);
    }
    // Mean then normalise equals normalising the sum; the division is kept so unnormalised use reads right.
    if (used > 0) for (let d = 0; d < dimensions; d++) vector[d] = (vector[d] as number) / used;
    return l2NormalizeInPlace(vector);
  };
  const embedText = (text: string): { vector: Float32Array; tokens: number } => {
    const ids = tokenizer.encode(cutToChars(text, maxChars));
    return { vector: embedIds(ids), tokens: Math.min(ids.length, MAX_TOKENS) };
  };

  return {
    id: options.id,
    dimensions,
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

/** vector += matrix[offset .. offset + vector.length); unrolled by 4 (about 30% faster on V8 for dim 256). */
function addRow(vector: Float32Array, matrix: Float32Array, offset: number): void {
  const length = vector.length;
  let d = 0;
  for (let o = offset; d + 4 <= length; d += 4, o += 4) {
    vector[d] = (vector[d] as number) + (matrix[o] as number);
    vector[d + 1] = (vector[d + 1] as number) + (matrix[o + 1] as number);
    vector[d + 2] = (vector[d + 2] as number) + (matrix[o + 2] as number);
    vector[d + 3] = (vector[d + 3] as number) + (matrix[o + 3] as number);
  }
  for (; d < length; d++) vector[d] = (vector[d] as number) + (matrix[offset + d] as number);
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
