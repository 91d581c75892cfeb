/**
 * A bounded LRU of search responses per collection. Each collection's entries are tagged with the
 * collection's write generation (ChunkStore.collectionGeneration) they were computed at; a lookup with
 * another generation drops them all first, so a write by any process sharing the store invalidates the
 * collection on the next search of every process. Values are stored and handed out as deep copies
 * (callers may mutate what they get).
 */
export class SearchCache<V> {
  readonly #size: number;
  readonly #collections = new Map<string, { generation: string; entries: Map<string, V> }>();
  #hits = 0;
  #misses = 0;

  /** `size`: responses kept per collection (least recently used evicted first). */
  constructor(size: number) {
    this.#size = size;
  }

  get(collection: string, generation: string, key: string): V | undefined {
    const slot = this.#slot(collection, generation);
    const value = slot.entries.get(key);
    if (value === undefined) {
      this.#misses += 1;
      return undefined;
    }
    this.#hits += 1;
    slot.entries.delete(key);
    slot.entries.set(key, value);
    return structuredClone(value);
  }

  set(collection: string, generation: string, key: string, value: V): void {
    const slot = this.#slot(collection, generation);
    slot.entries.delete(key);
    slot.entries.set(key, structuredClone(value));
    while (slot.entries.size > this.#size) slot.entries.delete(slot.entries.keys().next().value as string);
  }

  /** Forgets a collection (deleted), whatever its generation. */
  forget(collection: string): void {
    this.#collections.delete(collection);
  }

  /** Lookups answered and not answered since start, and responses held now. */
  stats(): { hits: number; misses: number; entries: number } {
    let entries = 0;
    for (const slot of this.#collections.values()) entries += slot.entries.size;
    return { hits: this.#hits, misses: this.#misses, entries };
  }

  #slot(collection: string, generation: string): { generation: string; entries: Map<string, V> } {
    let slot = this.#collections.get(collection);
    if (slot === undefined || slot.generation !== generation) {
      slot = { generation, entries: new Map() };
      this.#collections.set(collection, slot);
    }
    return slot;
  }
}

/**
 * The cache key of a request: every field that can change the response, as JSON with sorted object keys
 * (so `{a, b}` and `{b, a}` agree), undefined fields left out. Callers normalise the query text.
 */
export function searchCacheKey(request: Record<string, unknown>): string {
  return JSON.stringify(sortKeys(request));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) out[key] = sortKeys(field);
  }
  return out;
}
