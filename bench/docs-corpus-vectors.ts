/**
 * Real embeddings for index benchmarks: the docs corpus (28 projects of Markdown) parsed and chunked as
 * ingest does, each chunk's embedding input embedded with the static model (256-d), lifted into 384-d
 * (MiniLM's shape) by a fixed random isometry so every distance, and so every neighbour relation, is the
 * static model's. Queries are real: the docs-corpus questions, then the first sentence of chunks of
 * held-out documents (every 50th file is never indexed), so no query is a copy of an indexed chunk.
 * The result is cached in the temp directory (one file per chunk size): building it takes a minute.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { extname, basename, join } from 'node:path';
import { chunkDocument, embeddingInput } from '../src/ingest/chunk/chunk-document.js';
import { parseFile } from '../src/ingest/parse/parse-file.js';
import { createStaticEmbedder } from '../src/models/embed/static-embedder.js';
import { dot } from '../src/stores/store-contract-fixtures.js';
import { seededRandom } from '../src/core/seeded-random.js';
import { DOCS_CORPUS, listFiles, MODELS_DIR, round, STATIC_EMBEDDER } from './bench-support.js';

export const LIFTED_DIMENSIONS = 384;
const HELD_OUT_EVERY = 50;
const CACHE_VERSION = 1;

export interface CorpusChunk {
  path: string;
  text: string;
  language: string;
  vector: Float32Array;
}

export interface CorpusQuery {
  text: string;
  vector: Float32Array;
}

export interface CorpusVectors {
  chunks: CorpusChunk[];
  queries: CorpusQuery[];
  chunkSize: number;
}

/** `from` orthonormal columns in `to` dimensions (Gram-Schmidt of Gaussian vectors): x ↦ Qx keeps every dot product. */
function randomIsometry(from: number, to: number, seed: number): Float64Array[] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const columns: Float64Array[] = [];
  for (let c = 0; c < from; c++) {
    const column = Float64Array.from({ length: to }, gaussian);
    for (const previous of columns) {
      let projection = 0;
      for (let i = 0; i < to; i++) projection += column[i]! * previous[i]!;
      for (let i = 0; i < to; i++) column[i]! -= projection * previous[i]!;
    }
    let norm = 0;
    for (let i = 0; i < to; i++) norm += column[i]! * column[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < to; i++) column[i]! /= norm;
    columns.push(column);
  }
  return columns;
}

function lift(vector: Float32Array, columns: Float64Array[], to: number): Float32Array {
  const out = new Float64Array(to);
  for (let c = 0; c < columns.length; c++) {
    const value = vector[c]!;
    if (value === 0) continue;
    const column = columns[c]!;
    for (let i = 0; i < to; i++) out[i]! += value * column[i]!;
  }
  return Float32Array.from(out);
}

function firstSentence(text: string): string {
  const words = text.replace(/[`*#>|_[\]()]/g, ' ').split(/\s+/).filter((word) => word.length > 0);
  const sentence: string[] = [];
  for (const word of words) {
    sentence.push(word);
    if (sentence.length >= 6 && /[.?!:]$/.test(word)) break;
    if (sentence.length >= 16) break;
  }
  return sentence.join(' ');
}

interface CacheHeader {
  version: number;
  chunkSize: number;
  chunks: { path: string; text: string; language: string }[];
  queries: string[];
}

/**
 * Every chunk of the docs corpus at `chunkSize` tokens (ingest's chunker, overlap 15 %) and up to
 * `queryCount` queries, with 384-d unit vectors. Chunks whose embedding is the zero vector (no token
 * the static model knows) are left out: no real embedder returns one.
 */
export async function docsCorpusVectors(options: { chunkSize: number; queryCount: number }): Promise<CorpusVectors> {
  const { chunkSize, queryCount } = options;
  const cacheBase = join(os.tmpdir(), `cairn-bench-docs-vectors-v${CACHE_VERSION}-${chunkSize}`);
  if (existsSync(`${cacheBase}.json`) && existsSync(`${cacheBase}.f32`)) {
    const header = JSON.parse(readFileSync(`${cacheBase}.json`, 'utf8')) as CacheHeader;
    const raw = readFileSync(`${cacheBase}.f32`);
    const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const at = (row: number) => all.slice(row * LIFTED_DIMENSIONS, (row + 1) * LIFTED_DIMENSIONS);
    const chunks = header.chunks.map((chunk, row) => ({ ...chunk, vector: at(row) }));
    const queries = header.queries.slice(0, queryCount).map((text, i) => ({ text, vector: at(header.chunks.length + i) }));
    if (queries.length >= queryCount) return { chunks, queries, chunkSize };
  }
  const embedder = await createStaticEmbedder({ id: STATIC_EMBEDDER, modelDir: join(MODELS_DIR, 'cairn', 'static-minilm-vocab-256') });
  const columns = randomIsometry(embedder.dimensions, LIFTED_DIMENSIONS, 384);
  const files = listFiles(DOCS_CORPUS).filter((path) => /\.(md|mdx|markdown)$/i.test(path));
  const indexed: { path: string; text: string; language: string; input: string }[] = [];
  const heldOut: string[] = [];
  for (const [n, path] of files.entries()) {
    const bytes = readFileSync(join(DOCS_CORPUS, path));
    let document: Awaited<ReturnType<typeof parseFile>>;
    try {
      document = await parseFile({ bytes, fileName: basename(path), extension: extname(path).slice(1).toLowerCase(), relativePath: path });
    } catch {
      continue;
    }
    const chunks = chunkDocument(document, { tokenizer: embedder.tokenizer, chunkSize, chunkOverlap: Math.round(chunkSize * 0.15), maxTokens: embedder.maxTokens });
    if (n % HELD_OUT_EVERY === 7) {
      for (const chunk of chunks) {
        const sentence = firstSentence(chunk.text);
        if (sentence.split(' ').length >= 5) heldOut.push(sentence);
      }
      continue;
    }
    const language = path.split('/')[0] ?? '';
    for (const chunk of chunks) indexed.push({ path, text: chunk.text, language, input: embeddingInput(document.title, chunk) });
    if (n % 1000 === 0) process.stderr.write(`docs corpus: ${n} of ${files.length} files, ${indexed.length} chunks\n`);
  }
  const questions = readFileSync(new URL('./docs-corpus-questions/queries.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => (JSON.parse(line) as { text: string }).text);
  // Held-out sentences spread over the whole held-out set (a fixed stride), after the real questions.
  const stride = Math.max(1, Math.floor(heldOut.length / Math.max(1, 1000 - questions.length)));
  const queryTexts = [...questions, ...heldOut.filter((_, i) => i % stride === 0)].slice(0, 1000);
  const embedAll = async (texts: string[]) => {
    const out: Float32Array[] = [];
    for (let from = 0; from < texts.length; from += 256) {
      const { vectors } = await embedder.embed({ texts: texts.slice(from, from + 256) });
      out.push(...vectors.map((vector) => lift(vector, columns, LIFTED_DIMENSIONS)));
    }
    return out;
  };
  const chunkVectors = await embedAll(indexed.map((chunk) => chunk.input));
  const queryVectors = await embedAll(queryTexts);
  const keep = (vector: Float32Array) => dot(vector, vector) > 0.5;
  const chunks = indexed.flatMap((chunk, i) => (keep(chunkVectors[i]!) ? [{ path: chunk.path, text: chunk.text, language: chunk.language, vector: chunkVectors[i]! }] : []));
  const queries = queryTexts.flatMap((text, i) => (keep(queryVectors[i]!) ? [{ text, vector: queryVectors[i]! }] : []));
  const header: CacheHeader = { version: CACHE_VERSION, chunkSize, chunks: chunks.map(({ vector: _, ...rest }) => rest), queries: queries.map((query) => query.text) };
  const matrix = new Float32Array((chunks.length + queries.length) * LIFTED_DIMENSIONS);
  [...chunks, ...queries].forEach((item, row) => matrix.set(item.vector, row * LIFTED_DIMENSIONS));
  writeFileSync(`${cacheBase}.f32`, new Uint8Array(matrix.buffer));
  writeFileSync(`${cacheBase}.json`, JSON.stringify(header));
  await embedder.close?.();
  return { chunks, queries: queries.slice(0, queryCount), chunkSize };
}

/**
 * Neighbour statistics of a vector set, to compare with a real embedder's: the cosine of each query's
 * 1st and 10th exact neighbour, the gap between them, and the cosine of random pairs.
 */
export function neighbourStatistics(items: { vector: Float32Array }[], queries: { vector: Float32Array }[], sampleQueries = 100) {
  const top1: number[] = [];
  const top10: number[] = [];
  const top100: number[] = [];
  for (const query of queries.slice(0, sampleQueries)) {
    const scores = items.map((item) => dot(query.vector, item.vector)).sort((a, b) => b - a);
    top1.push(scores[0]!);
    top10.push(scores[9]!);
    top100.push(scores[99]!);
  }
  const random = seededRandom(5);
  const pairs: number[] = [];
  for (let i = 0; i < 2000; i++) {
    pairs.push(dot(items[Math.floor(random() * items.length)]!.vector, items[Math.floor(random() * items.length)]!.vector));
  }
  const median = (values: number[]) => round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!, 3);
  return { medianTop1: median(top1), medianTop10: median(top10), medianTop100: median(top100), medianRandomPair: median(pairs) };
}
