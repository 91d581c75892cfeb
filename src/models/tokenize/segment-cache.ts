/** FNV-1a (32-bit) over UTF-16 code units; callers hash a segment while scanning it. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

const SLOT_BITS = 19;
const SLOTS = 1 << SLOT_BITS;
/** Entries before the cache is emptied: keeps the open-addressing load under 0.4. */
const MAX_ENTRIES = 200_000;
const CHAR_POOL = 1 << 22;
const ID_POOL = 1 << 21;

/**
 * Segment → token ids cache for the WordPiece tokenizer, looked up by a region of a string
 * (no slice, no per-entry objects): open addressing over typed arrays, keys and ids kept in pools.
 * About 26 MB in all; emptied when full (the next misses refill it with what is current).
 * Keys are copied into the pool, so the cache never keeps a document's string alive.
 */
export class SegmentCache {
  private readonly hashes = new Int32Array(SLOTS);
  /** Key length in code units; 0 marks an empty slot (segments are never empty). */
  private readonly keyLengths = new Int32Array(SLOTS);
  private readonly keyOffsets = new Int32Array(SLOTS);
  private readonly idOffsets = new Int32Array(SLOTS);
  private readonly idCounts = new Int32Array(SLOTS);
  private readonly chars = new Uint16Array(CHAR_POOL);
  private readonly ids = new Int32Array(ID_POOL);
  private entries = 0;
  private charsUsed = 0;
  private idsUsed = 0;

  /** Slot holding `text[start, end)` with hash `hash`, or -1. */
  find(text: string, start: number, end: number, hash: number): number {
    const length = end - start;
    let slot = hash & (SLOTS - 1);
    for (;;) {
      const keyLength = this.keyLengths[slot] as number;
      if (keyLength === 0) return -1;
      if (keyLength === length && this.hashes[slot] === hash && this.keyEquals(slot, text, start, length)) return slot;
      slot = (slot + 1) & (SLOTS - 1);
    }
  }

  idCount(slot: number): number {
    return this.idCounts[slot] as number;
  }

  copyIds(slot: number, out: number[]): void {
    const offset = this.idOffsets[slot] as number;
    const end = offset + (this.idCounts[slot] as number);
    for (let index = offset; index < end; index++) out.push(this.ids[index] as number);
  }

  insert(text: string, start: number, end: number, hash: number, ids: readonly number[]): void {
    const length = end - start;
    if (length === 0 || length > CHAR_POOL / 16 || ids.length > ID_POOL / 16) return;
    if (this.entries >= MAX_ENTRIES || this.charsUsed + length > CHAR_POOL || this.idsUsed + ids.length > ID_POOL) this.clear();
    let slot = hash & (SLOTS - 1);
    while ((this.keyLengths[slot] as number) !== 0) slot = (slot + 1) & (SLOTS - 1);
    this.hashes[slot] = hash;
    this.keyLengths[slot] = length;
    this.keyOffsets[slot] = this.charsUsed;
    for (let index = 0; index < length; index++) this.chars[this.charsUsed + index] = text.charCodeAt(start + index);
    this.charsUsed += length;
    this.idOffsets[slot] = this.idsUsed;
    this.idCounts[slot] = ids.length;
    for (let index = 0; index < ids.length; index++) this.ids[this.idsUsed + index] = ids[index] as number;
    this.idsUsed += ids.length;
    this.entries++;
  }

  clear(): void {
    this.keyLengths.fill(0);
    this.entries = 0;
    this.charsUsed = 0;
    this.idsUsed = 0;
  }

  private keyEquals(slot: number, text: string, start: number, length: number): boolean {
    const offset = this.keyOffsets[slot] as number;
    for (let index = 0; index < length; index++) {
      if (this.chars[offset + index] !== text.charCodeAt(start + index)) return false;
    }
    return true;
  }
}
