import { DEFAULT_EMBEDDER } from '../config/config-schema.js';
import { CairnError, toCairnError } from '../core/cairn-error.js';
import type { Memory, MemoryCandidate, MemoryScope } from '../stores/memory-store.js';
import type { CairnApp } from './cairn-app.js';
import {
  memoryCreateInputSchema,
  memoryIdSchema,
  memoryListInputSchema,
  memorySearchInputSchema,
  memoryUpdateInputSchema,
  type MemoryCreateInput,
  type MemoryListInput,
  type MemorySearchInput,
  type MemoryUpdateInput,
} from './memory-input-schemas.js';
import { parseInput } from './parse-input.js';

export type { Memory } from '../stores/memory-store.js';

export type ScoredMemory = Memory & { score: number };

/** Default results of a memory search. */
const DEFAULT_SEARCH_K = 10;
/** Candidates taken from each arm (lexical, dense) before scoring: this many per result wanted, at least MIN_CANDIDATES_PER_ARM. */
const CANDIDATES_PER_RESULT = 4;
const MIN_CANDIDATES_PER_ARM = 40;
/** Memories embedded at most by one search that finds some without a vector of the current embedder. */
const EMBED_ON_SEARCH_LIMIT = 256;
/** Weight of the lexical share in the score when both arms have a value (the dense arm gets the rest). */
const LEXICAL_WEIGHT = 0.5;

/**
 * Words that say how a question is asked rather than what about; left out of the share of matched
 * query terms, so "What port does the DB use?" is judged on port and DB.
 */
const QUESTION_WORDS = new Set([
  'what', 'which', 'who', 'whom', 'whose', 'when', 'where', 'why', 'how', 'do', 'does', 'did', 'can', 'could', 'should',
  'would', 'i', 'me', 'my', 'we', 'our', 'you', 'your', 'use', 'used', 'tell', 'about', 'know', 'remember', 'again',
]);

/** The embedder id of memories: config memory.embedder, else the configured embedder, else the default one. */
export function memoryEmbedderId(app: CairnApp): string {
  return app.config.memory.embedder ?? app.config.embedder ?? DEFAULT_EMBEDDER;
}

function notFound(id: string): CairnError {
  return new CairnError('MEMORY_NOT_FOUND', `No memory has the id ${id} (or it has expired).`, {
    hint: 'List memories with `cairn memory list` or GET /v1/memories.',
  });
}

function isoOrNull(value: string | null | undefined): string | null | undefined {
  return value === undefined || value === null ? value : new Date(value).toISOString();
}

/** Use case: stores a memory and embeds it (lexical-only, with a notice, when the memory embedder is unavailable). */
export async function createMemory(app: CairnApp, input: MemoryCreateInput): Promise<Memory> {
  const parsed = parseInput(memoryCreateInputSchema, input);
  const memory = await app.memories.create({
    content: parsed.content,
    tags: parsed.tags ?? [],
    source: parsed.source ?? null,
    sessionId: parsed.sessionId ?? null,
    userId: parsed.userId ?? null,
    expiresAt: isoOrNull(parsed.expiresAt) ?? null,
  });
  await embedMemories(app, [memory]);
  return memory;
}

export async function getMemory(app: CairnApp, id: string): Promise<Memory> {
  const memoryId = parseInput(memoryIdSchema, id);
  const memory = await app.memories.get(memoryId, new Date().toISOString());
  if (!memory) throw notFound(memoryId);
  return memory;
}

/** Use case: memories newest first, filtered exactly by tag, session and user, and by a content substring. */
export async function listMemories(app: CairnApp, input: MemoryListInput = {}): Promise<{ items: Memory[]; nextCursor: string | null }> {
  const parsed = parseInput(memoryListInputSchema, input);
  if (parsed.cursor !== undefined && !/^\d+$/.test(parsed.cursor)) {
    throw new CairnError('INPUT_INVALID', 'Invalid cursor: it is not one this API returned.', { hint: 'Pass the nextCursor of the previous page, or none.' });
  }
  return app.memories.list({
    ...(parsed.tag !== undefined ? { tag: parsed.tag } : {}),
    ...(parsed.sessionId !== undefined ? { sessionId: parsed.sessionId } : {}),
    ...(parsed.userId !== undefined ? { userId: parsed.userId } : {}),
    ...(parsed.q !== undefined ? { text: parsed.q } : {}),
    ...(parsed.cursor !== undefined ? { cursor: parsed.cursor } : {}),
    limit: parsed.limit,
    now: new Date().toISOString(),
  });
}

export async function updateMemory(app: CairnApp, id: string, input: MemoryUpdateInput): Promise<Memory> {
  const memoryId = parseInput(memoryIdSchema, id);
  const parsed = parseInput(memoryUpdateInputSchema, input);
  const expiresAt = isoOrNull(parsed.expiresAt);
  const memory = await app.memories.update(
    memoryId,
    {
      ...(parsed.content !== undefined ? { content: parsed.content } : {}),
      ...(parsed.tags !== undefined ? { tags: parsed.tags } : {}),
      ...(parsed.source !== undefined ? { source: parsed.source } : {}),
      ...(parsed.sessionId !== undefined ? { sessionId: parsed.sessionId } : {}),
      ...(parsed.userId !== undefined ? { userId: parsed.userId } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    },
    new Date().toISOString(),
  );
  if (!memory) throw notFound(memoryId);
  if (parsed.content !== undefined) await embedMemories(app, [memory]);
  return memory;
}

export async function deleteMemory(app: CairnApp, id: string): Promise<void> {
  const memoryId = parseInput(memoryIdSchema, id);
  if (!(await app.memories.delete(memoryId))) throw notFound(memoryId);
}

/**
 * Use case: memories visible to the scope, best first, by meaning (cosine with the memory embedder,
 * exact scan) and by words (FTS5 over content and tags). The score is in [0, 1]: the share of the
 * query's terms found in the memory, averaged with the cosine when both have vectors (see
 * memoryScore). Expired memories are never returned.
 */
export async function searchMemories(app: CairnApp, input: MemorySearchInput, options: { signal?: AbortSignal } = {}): Promise<{ items: ScoredMemory[] }> {
  const parsed = parseInput(memorySearchInputSchema, input);
  const scope: MemoryScope = {
    ...(parsed.sessionId !== undefined ? { sessionId: parsed.sessionId } : {}),
    ...(parsed.userId !== undefined ? { userId: parsed.userId } : {}),
  };
  const now = new Date().toISOString();
  if (!(await app.memories.hasVisible(scope, now))) return { items: [] };
  const loaded = await app.loadEmbedder(memoryEmbedderId(app));
  let vector: Float32Array | null = null;
  if (loaded.embedder !== null) {
    const missing = await app.memories.missingVectors(loaded.id, scope, now, EMBED_ON_SEARCH_LIMIT);
    if (missing.length > 0) await embedMemories(app, missing);
    vector = await loaded.embedder.embedQuery(parsed.query, options.signal);
  }
  const candidates = await app.memories.candidates({
    scope, now, text: lexicalQuery(parsed.query), vector, embedder: vector === null ? null : loaded.id, limit: Math.max(MIN_CANDIDATES_PER_ARM, CANDIDATES_PER_RESULT * (parsed.k ?? DEFAULT_SEARCH_K)),
    ...(parsed.tags ? { tags: parsed.tags } : {}),
  });
  const minScore = parsed.minScore ?? 0;
  const items = candidates
    .map((candidate) => ({ ...candidate.memory, score: memoryScore(candidate) }))
    .filter((memory) => memory.score > 0 && memory.score >= minScore)
    .sort((a, b) => b.score - a.score || b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, parsed.k ?? DEFAULT_SEARCH_K);
  return { items };
}

/** The query without its question words, for the lexical arm; the query itself when nothing else is left. */
export function lexicalQuery(query: string): string {
  const kept = query.split(/([^\p{L}\p{N}]+)/u).filter((piece) => !QUESTION_WORDS.has(piece.toLowerCase())).join('');
  return /[\p{L}\p{N}]/u.test(kept) ? kept : query;
}

/**
 * Pure: a candidate's score in [0, 1]. lexical = matched share of the query's terms (question words
 * removed by lexicalQuery); dense = max(0, cosine). Both known: their mean (LEXICAL_WEIGHT); one
 * known: that one. Absolute rather than rank-based (unlike RRF), so a threshold can keep unrelated
 * memories out of answers.
 */
export function memoryScore(candidate: Pick<MemoryCandidate, 'cosine' | 'matchedTerms' | 'queryTerms'>): number {
  const lexical = candidate.queryTerms === 0 ? 0 : Math.min(1, candidate.matchedTerms / candidate.queryTerms);
  if (candidate.cosine === null) return lexical;
  const dense = Math.max(0, Math.min(1, candidate.cosine));
  return LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * dense;
}

/** Embeds memories with the memory embedder and stores the vectors; a no-op (with a notice) when it is unavailable. */
async function embedMemories(app: CairnApp, memories: readonly Memory[]): Promise<void> {
  const loaded = await app.loadEmbedder(memoryEmbedderId(app));
  if (loaded.embedder === null || memories.length === 0) return;
  try {
    for (let start = 0; start < memories.length; start += loaded.embedder.maxBatchSize) {
      const batch = memories.slice(start, start + loaded.embedder.maxBatchSize);
      const { vectors } = await loaded.embedder.embed({ texts: batch.map(memoryText) });
      for (const [index, memory] of batch.entries()) {
        const vector = vectors[index];
        if (vector) await app.memories.setVector(memory.id, loaded.id, vector);
      }
    }
  } catch (error) {
    app.notice(`Could not embed memories (${toCairnError(error).message}); they are found by their words until the next search embeds them.`);
  }
}

/** What is embedded for a memory: its content, then its tags. */
function memoryText(memory: Memory): string {
  return memory.tags.length > 0 ? `${memory.content}\n${memory.tags.join(', ')}` : memory.content;
}
