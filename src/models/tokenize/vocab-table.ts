import { FNV_OFFSET, FNV_PRIME } from './segment-cache.js';

/**
 * A read-only token → id table looked up by a run of UTF-16 code units in a buffer, with the run's
 * FNV-1a hash given by the caller (who computes every prefix hash of a word in one pass). It stands
 * in for `Map<string, number>` on the WordPiece hot path, where each lookup would otherwise slice a
 * new string and hash it: on the docs corpus that was most of the cost of an uncached segment.
 * Open addressing, load factor at most 0.5; keys kept in one code-unit pool.
 */
export class VocabTable {
  private readonly mask: number;
  private readonly hashes: Int32Array;
  /** Key length in code units; 0 marks an empty slot (keys are never empty). */
  private readonly keyLengths: Int32Array;
  private readonly keyOffsets: Int32Array;
  private readonly ids: Int32Array;
  private readonly chars: Uint16Array;
  /** Longest key in code units: no longer run can match. */
  readonly longestKey: number;

  constructor(entries: Iterable<readonly [string, number]>) {
    const list = [...entries].filter(([key]) => key.length > 0);
    let slots = 16;
    while (slots < list.length * 2) slots *= 2;
    this.mask = slots - 1;
    this.hashes = new Int32Array(slots);
    this.keyLengths = new Int32Array(slots);
    this.keyOffsets = new Int32Array(slots);
    this.ids = new Int32Array(slots);
    this.chars = new Uint16Array(list.reduce((sum, [key]) => sum + key.length, 0));
    let used = 0;
    let longest = 0;
    for (const [key, id] of list) {
      let hash = FNV_OFFSET;
      for (let index = 0; index < key.length; index++) {
        const code = key.charCodeAt(index);
        this.chars[used + index] = code;
        hash = Math.imul(hash ^ code, FNV_PRIME);
      }
      let slot = hash & this.mask;
      while ((this.keyLengths[slot] as number) !== 0) slot = (slot + 1) & this.mask;
      this.hashes[slot] = hash;
      this.keyLengths[slot] = key.length;
      this.keyOffsets[slot] = used;
      this.ids[slot] = id;
      used += key.length;
      longest = Math.max(longest, key.length);
    }
    this.longestKey = longest;
  }

  /** Id of the key equal to `buffer[start, end)` whose FNV-1a hash is `hash`, or -1. */
  find(buffer: Uint16Array, start: number, end: number, hash: number): number {
    const length = end - start;
    let slot = hash & this.mask;
    for (;;) {
      const keyLength = this.keyLengths[slot] as number;
      if (keyLength === 0) return -1;
      if (keyLength === length && this.hashes[slot] === hash) {
        const offset = (this.keyOffsets[slot] as number) - start;
        let index = start;
        while (index < end && this.chars[offset + index] === buffer[index]) index++;
        if (index === end) return this.ids[slot] as number;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}
