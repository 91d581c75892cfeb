import { createHash } from 'node:crypto';
import type { EmbeddedChunk } from '../core/chunk.js';
import type { SearchFilter } from '../core/search-types.js';
import type { DocumentWrite } from './chunk-store.js';
import { seededRandom } from '../core/seeded-random.js';

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

/** One document of the filter corpus: each is written with two chunks whose texts share the word `lantern`. */
export interface FilterFixtureDocument {
  path: string;
  format: string;
  language?: string;
  tags: string[];
  modified: string;
}

/** Documents that tell every filter kind apart (formats, extensions in any case, a dot directory, tags, dates). */
export const FILTER_DOCUMENTS: FilterFixtureDocument[] = [
  { path: 'docs/guide/intro.md', format: 'markdown', tags: ['guide', 'intro'], modified: '2024-01-10T12:00:00Z' },
  { path: 'src/cli/main.ts', format: 'code', language: 'typescript', tags: ['guide'], modified: '2024-02-01T00:00:00Z' },
  { path: 'src/tools/build.py', format: 'code', language: 'python', tags: [], modified: '2024-03-31T23:00:00Z' },
  { path: 'docs/manual.pdf', format: 'pdf', tags: [], modified: '2023-12-31T00:00:00Z' },
  { path: '.github/workflows/ci.yml', format: 'text', tags: ['ops'], modified: '2024-02-15T08:30:00Z' },
  { path: 'docs/NOTES.TXT', format: 'text', tags: ['ops', 'guide'], modified: '2024-03-01T00:00:00Z' },
];

/**
 * Filters (as an edge receives them, before normalisation) and the paths of the documents that pass,
 * per core's matchesFilter: what every LexicalIndex and VectorIndex must return.
 */
export const FILTER_CASES: { filter: SearchFilter; paths: string[] }[] = [
  { filter: {}, paths: FILTER_DOCUMENTS.map((document) => document.path) },
  { filter: { pathPrefix: 'docs/' }, paths: ['docs/guide/intro.md', 'docs/manual.pdf', 'docs/NOTES.TXT'] },
  { filter: { pathPrefix: 'src/cli' }, paths: ['src/cli/main.ts'] },
  { filter: { pathGlob: 'src/**/*.ts' }, paths: ['src/cli/main.ts'] },
  { filter: { pathGlob: '**/*.{md,pdf}' }, paths: ['docs/guide/intro.md', 'docs/manual.pdf'] },
  { filter: { pathGlob: 'docs/*.pdf' }, paths: ['docs/manual.pdf'] },
  { filter: { pathGlob: '.github/**' }, paths: ['.github/workflows/ci.yml'] },
  { filter: { language: ['python', 'TypeScript'] }, paths: ['src/cli/main.ts', 'src/tools/build.py'] },
  { filter: { fileType: ['pdf'] }, paths: ['docs/manual.pdf'] },
  { filter: { fileType: ['ts', '.py'] }, paths: ['src/cli/main.ts', 'src/tools/build.py'] },
  { filter: { fileType: ['code'] }, paths: ['src/cli/main.ts', 'src/tools/build.py'] },
  { filter: { fileType: ['TXT', 'yml'] }, paths: ['.github/workflows/ci.yml', 'docs/NOTES.TXT'] },
  { filter: { tags: ['guide'] }, paths: ['docs/guide/intro.md', 'src/cli/main.ts', 'docs/NOTES.TXT'] },
  { filter: { tags: ['Guide', 'intro'] }, paths: ['docs/guide/intro.md'] },
  { filter: { tags: ['missing'] }, paths: [] },
  { filter: { modifiedAfter: '2024-01-01' }, paths: ['docs/guide/intro.md', 'src/cli/main.ts', 'src/tools/build.py', '.github/workflows/ci.yml', 'docs/NOTES.TXT'] },
  { filter: { modifiedBefore: '2024-01-10' }, paths: ['docs/guide/intro.md', 'docs/manual.pdf'] },
  { filter: { modifiedAfter: '2024-01-11', modifiedBefore: '2024-03-31' }, paths: ['src/cli/main.ts', 'src/tools/build.py', '.github/workflows/ci.yml', 'docs/NOTES.TXT'] },
  { filter: { modifiedBefore: '2024-03-31T22:00:00Z' }, paths: ['docs/guide/intro.md', 'src/cli/main.ts', 'docs/manual.pdf', '.github/workflows/ci.yml', 'docs/NOTES.TXT'] },
  { filter: { pathPrefix: 'src/', language: ['python'], modifiedAfter: '2024-03-01' }, paths: ['src/tools/build.py'] },
  { filter: { pathPrefix: 'docs/', tags: ['ops'], fileType: ['text'] }, paths: ['docs/NOTES.TXT'] },
];

/** The DocumentWrite of a filter-corpus document, with two chunks (vectors from `vectors`, or none). */
export function filterFixtureWrite(collection: string, document: FilterFixtureDocument, vectors?: [Float32Array, Float32Array]): DocumentWrite {
  const words = document.path.replace(/[^A-Za-z0-9]+/g, ' ');
  return makeDocument(
    collection,
    document.path,
    [makeChunk(0, `${words} lantern one`, vectors?.[0] ?? null), makeChunk(1, `${words} lantern two`, vectors?.[1] ?? null)],
    {
      format: document.format,
      tags: document.tags,
      modifiedMs: Date.parse(document.modified),
      ...(document.language === undefined ? {} : { language: document.language }),
    },
  );
}
