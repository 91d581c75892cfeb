import { createHash } from 'node:crypto';
import type { EmbeddedChunk } from '../core/chunk.js';
import type { DocumentWrite } from './chunk-store.js';
import { seededRandom } from '../testing/seeded-random.js';

/**
 * Shared helpers of the store contract suites (chunk-store.contract.ts, vector-index.contract.ts).
 * Stores under test must be built with `contractAnalyzer` as their lexical analyzer.
 */
export function contractAnalyzer(text: string): string {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((term) => term !== '')
    .join(' ');
}


export function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return vector.map((value) => value * scale);
}

/** Unit vectors around `clusters` random centres (the shape of real embeddings: dense neighbourhoods). */
export function clusteredVectors(count: number, dimensions: number, seed: number, clusters = 8): Float32Array[] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: clusters }, () => normalize(Float32Array.from({ length: dimensions }, gaussian)));
  return Array.from({ length: count }, (_, i) => {
    const centre = centres[i % clusters]!;
    return normalize(centre.map((value) => value + (0.6 * gaussian()) / Math.sqrt(dimensions)));
  });
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

/** Exact top-k ids by cosine similarity of unit vectors. */
export function exactTopK(query: Float32Array, items: { id: number; vector: Float32Array }[], k: number): number[] {
  return items
    .map((item) => ({ id: item.id, score: dot(query, item.vector) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k)
    .map((item) => item.id);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function makeChunk(ordinal: number, text: string, vector: Float32Array | null, extra: Partial<EmbeddedChunk> = {}): EmbeddedChunk {
  return { ordinal, text, headingPath: [], tokenCount: text.split(/\s+/).length, contentHash: sha256(text), vector, ...extra };
}

export function makeDocument(collection: string, relativePath: string, chunks: EmbeddedChunk[], extra: Partial<DocumentWrite> = {}): DocumentWrite {
  return {
    collection,
    uri: `file:///root/${relativePath}`,
    relativePath,
    sourceRoot: '/root',
    title: relativePath,
    format: 'text',
    contentHash: sha256(chunks.map((chunk) => chunk.text).join('\n')),
    sizeBytes: 100,
    modifiedMs: Date.UTC(2024, 0, 15),
    tags: [],
    metadata: {},
    chunks,
    ...extra,
  };
}
