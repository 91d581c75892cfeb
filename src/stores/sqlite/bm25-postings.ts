import type { LexicalHit } from '../lexical-index.js';
import { porterStem } from './porter-stemmer.js';
import type { LexicalWeights } from './sqlite-lexical-index.js';

/**
 * An in-memory inverted index of one collection, scored exactly as FTS5's bm25() scores the same rows
 * (k1 1.2, b 0.75, column-weighted term frequency, document length = tokens in all columns), so it can
 * answer in FTS5's place. Plain typed arrays (compressed-sparse-row): a worker thread builds it and
 * transfers the buffers, and 100k chunks take about 8 bytes per (term, chunk) pair, ~32 MB.
 *
 * Documents are numbered densely in chunk-id order, so ties broken by document number are broken by
 * chunk id, as FTS5's `ORDER BY score, rowid` does.
 */
export interface Bm25Postings {
  /** Document number → chunk id, ascending. */
  chunkIds: Int32Array;
  /** Document number → tokens in all its columns (FTS5's column sizes summed). */
  lengths: Float32Array;
  /** Term number → first posting; `offsets[terms] = postings`. */
  offsets: Int32Array;
  /** Posting → document number; each term's run is ascending. */
  documents: Int32Array;
  /** Posting → weighted term frequency: sum over columns of weight × occurrences. */
  frequencies: Float32Array;
  /** Stems in term-number order, joined by '\n' (a stem never holds whitespace). */
  terms: string;
  /** The collection as read: its chunk count and largest chunk id (see MemoryBm25Index.signature). */
  chunkCount: number;
  maxChunkId: number;
}

/** Stamp of a collection's lexical content: any insert raises maxChunkId (ids are never reused), a delete lowers chunkCount. */
export interface CollectionSignature {
  chunkCount: number;
  maxChunkId: number;
}

const K1 = 1.2;
const B = 0.75;
const TERM = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}/gu;
const PLAIN = /^[a-z0-9]+$/;

/**
 * The stems FTS5's `porter unicode61 remove_diacritics 2` tokenizer makes of one analyzer term: the
 * term stemmed when it is plain ASCII (nearly always), else diacritics folded, split at what is not a
 * letter or digit, each part lower-cased and stemmed. Index and query both go through it.
 */
export function stemsOf(term: string, out: string[]): void {
  if (PLAIN.test(term)) {
    out.push(porterStem(term));
    return;
  }
  const folded = term.normalize('NFD').replace(MARKS, '').toLowerCase();
  for (const match of folded.matchAll(TERM)) out.push(porterStem(match[0]));
}

/**
 * Collects chunks (in ascending chunk id) and packs them into Bm25Postings. Memory while building: 12
 * bytes per (term, chunk) pair plus the stem dictionary.
 */
export class Bm25PostingsBuilder {
  readonly #weights: readonly [number, number, number];
  readonly #dictionary = new Map<string, number>();
  /** Analyzer term → term number; analyzer terms repeat far more than stems, so stemming runs once each. */
  readonly #stemCache = new Map<string, number>();
  readonly #scratch = new Map<number, number>();
  readonly #stems: string[] = [];
  #chunkIds: number[] = [];
  #lengths: number[] = [];
  #count = 0;
  #docs = new Int32Array(1 << 16);
  #termIds = new Int32Array(1 << 16);
  #frequencies = new Float32Array(1 << 16);

  constructor(weights: LexicalWeights) {
    this.#weights = [weights.title, weights.heading, weights.body];
  }

  /** `columns`: the analyzer's output (space-separated terms) for title, heading path and body. */
  add(chunkId: number, columns: readonly [string, string, string]): void {
    const document = this.#chunkIds.length;
    const last = this.#chunkIds[document - 1];
    if (last !== undefined && chunkId <= last) throw new Error(`Chunks must be added in ascending id order (${chunkId} after ${last}).`);
    this.#chunkIds.push(chunkId);
    const local = this.#scratch;
    local.clear();
    let length = 0;
    for (let column = 0; column < 3; column++) {
      const text = columns[column] as string;
      if (text === '') continue;
      const weight = this.#weights[column] as number;
      for (const term of text.split(' ')) {
        if (term === '') continue;
        let id = this.#stemCache.get(term);
        if (id === undefined) {
          const stems: string[] = [];
          stemsOf(term, stems);
          if (stems.length !== 1) {
            // Rare (non-ASCII terms that unicode61 splits): counted per stem, not cached.
            for (const stem of stems) {
              const stemId = this.#termId(stem);
              local.set(stemId, (local.get(stemId) ?? 0) + weight);
              length++;
            }
            continue;
          }
          id = this.#termId(stems[0] as string);
          if (this.#stemCache.size < 1_000_000) this.#stemCache.set(term, id);
        }
        local.set(id, (local.get(id) ?? 0) + weight);
        length++;
      }
    }
    this.#lengths.push(length);
    for (const [termId, frequency] of local) this.#push(document, termId, frequency);
  }

  build(signature: CollectionSignature): Bm25Postings {
    const termCount = this.#stems.length;
    const count = this.#count;
    const offsets = new Int32Array(termCount + 1);
    for (let i = 0; i < count; i++) (offsets[(this.#termIds[i] as number) + 1] as number)++;
    for (let t = 0; t < termCount; t++) offsets[t + 1] = (offsets[t + 1] as number) + (offsets[t] as number);
    const next = offsets.slice(0, termCount);
    const documents = new Int32Array(count);
    const frequencies = new Float32Array(count);
    // Postings were pushed in document order, so each term's run comes out ascending.
    for (let i = 0; i < count; i++) {
      const termId = this.#termIds[i] as number;
      const at = next[termId] as number;
      next[termId] = at + 1;
      documents[at] = this.#docs[i] as number;
      frequencies[at] = this.#frequencies[i] as number;
    }
    return {
      chunkIds: Int32Array.from(this.#chunkIds),
      lengths: Float32Array.from(this.#lengths),
      offsets,
      documents,
      frequencies,
      terms: this.#stems.join('\n'),
      chunkCount: signature.chunkCount,
      maxChunkId: signature.maxChunkId,
    };
  }

  #termId(stem: string): number {
    let id = this.#dictionary.get(stem);
    if (id === undefined) {
      id = this.#stems.length;
      this.#dictionary.set(stem, id);
      this.#stems.push(stem);
    }
    return id;
  }

  #push(document: number, termId: number, frequency: number): void {
    if (this.#count === this.#docs.length) {
      const capacity = this.#count * 2;
      this.#docs = grow(this.#docs, new Int32Array(capacity));
      this.#termIds = grow(this.#termIds, new Int32Array(capacity));
      this.#frequencies = grow(this.#frequencies, new Float32Array(capacity));
    }
    this.#docs[this.#count] = document;
    this.#termIds[this.#count] = termId;
    this.#frequencies[this.#count] = frequency;
    this.#count++;
  }
}

function grow<T extends Int32Array | Float32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Searches Bm25Postings: term-at-a-time accumulation over the query terms' postings, then a top-k heap.
 * One instance per postings; not re-entrant (it reuses its accumulator), which a single JS thread never is.
 */
export class MemoryBm25Index {
  readonly postings: Bm25Postings;
  readonly #dictionary = new Map<string, number>();
  readonly #averageLength: number;
  readonly #scores: Float64Array;
  readonly #touched: Int32Array;

  constructor(postings: Bm25Postings) {
    this.postings = postings;
    const stems = postings.terms === '' ? [] : postings.terms.split('\n');
    for (let id = 0; id < stems.length; id++) this.#dictionary.set(stems[id] as string, id);
    let total = 0;
    for (const length of postings.lengths) total += length;
    const documents = postings.chunkIds.length;
    this.#averageLength = documents === 0 ? 1 : total / documents;
    this.#scores = new Float64Array(documents);
    this.#touched = new Int32Array(documents);
  }

  get documentCount(): number {
    return this.postings.chunkIds.length;
  }

  /** Approximate bytes held: the typed arrays plus the dictionary. */
  get bytes(): number {
    const p = this.postings;
    return p.chunkIds.byteLength + p.lengths.byteLength + p.offsets.byteLength + p.documents.byteLength + p.frequencies.byteLength +
      this.#scores.byteLength + this.#touched.byteLength + p.terms.length * 2 + this.#dictionary.size * 64;
  }

  /** How many postings `terms` (analyzer terms) would score: the sum of their document frequencies. */
  documentFrequencies(terms: readonly string[]): { term: string; frequency: number }[] {
    return terms.map((term) => {
      let frequency = 0;
      for (const id of this.#termIds(term)) frequency += this.#frequency(id);
      return { term, frequency };
    });
  }

  /** The k best chunks for analyzer terms (OR), scores as FTS5's bm25() negated (higher is better). */
  search(terms: readonly string[], k: number): LexicalHit[] {
    const { offsets, documents, frequencies, lengths, chunkIds } = this.postings;
    const count = chunkIds.length;
    if (k <= 0 || count === 0) return [];
    const ids = new Set<number>();
    for (const term of terms) for (const id of this.#termIds(term)) ids.add(id);
    const scores = this.#scores;
    const touched = this.#touched;
    let touchedCount = 0;
    const lengthFactor = K1 * B / this.#averageLength;
    const constant = K1 * (1 - B);
    for (const id of ids) {
      const start = offsets[id] as number;
      const end = offsets[id + 1] as number;
      const frequency = end - start;
      let idf = Math.log((count - frequency + 0.5) / (frequency + 0.5));
      if (idf <= 0) idf = 1e-6;
      const numerator = idf * (K1 + 1);
      for (let p = start; p < end; p++) {
        const document = documents[p] as number;
        const tf = frequencies[p] as number;
        const previous = scores[document] as number;
        if (previous === 0) touched[touchedCount++] = document;
        scores[document] = previous + (numerator * tf) / (tf + constant + lengthFactor * (lengths[document] as number));
      }
    }
    const top = selectTop(scores, touched, touchedCount, k);
    const hits: LexicalHit[] = new Array(top.length);
    for (let i = 0; i < top.length; i++) {
      const document = top[i] as number;
      hits[i] = { chunkId: chunkIds[document] as number, score: scores[document] as number };
    }
    for (let i = 0; i < touchedCount; i++) scores[touched[i] as number] = 0;
    return hits;
  }

  #termIds(term: string): number[] {
    const stems: string[] = [];
    stemsOf(term, stems);
    const ids: number[] = [];
    for (const stem of stems) {
      const id = this.#dictionary.get(stem);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  #frequency(id: number): number {
    return (this.postings.offsets[id + 1] as number) - (this.postings.offsets[id] as number);
  }
}

/**
 * Document numbers of the k highest scores among the touched ones, best first, ties by the lower
 * document number. A binary min-heap of size k whose root is the worst kept.
 */
function selectTop(scores: Float64Array, touched: Int32Array, touchedCount: number, k: number): number[] {
  const heap: number[] = [];
  // worse(a, b): a ranks below b.
  const worse = (a: number, b: number): boolean => {
    const sa = scores[a] as number;
    const sb = scores[b] as number;
    return sa < sb || (sa === sb && a > b);
  };
  const siftDown = (from: number): void => {
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const child = right < heap.length && worse(heap[right] as number, heap[left] as number) ? right : left;
      if (!worse(heap[child] as number, heap[i] as number)) return;
      [heap[i], heap[child]] = [heap[child] as number, heap[i] as number];
      i = child;
    }
  };
  for (let t = 0; t < touchedCount; t++) {
    const document = touched[t] as number;
    if (heap.length < k) {
      heap.push(document);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i] as number, heap[parent] as number)) break;
        [heap[i], heap[parent]] = [heap[parent] as number, heap[i] as number];
        i = parent;
      }
    } else if (worse(heap[0] as number, document)) {
      heap[0] = document;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}
