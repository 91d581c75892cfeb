/**
 * Near-duplicate detection by Jaccard similarity of word shingles (Broder 1997, "On the resemblance
 * and containment of documents"). Words are lower-cased runs of letters and digits, so whitespace and
 * punctuation differences do not hide a copy.
 */

/**
 * Shingles of `size` consecutive words, each hashed to a 32-bit number (FNV-1a over the words): a
 * rare hash collision nudges a similarity by one shingle, and numbers make the sets several times
 * faster than strings. A text shorter than `size` words is one shingle.
 */
export function wordShingles(text: string, size = 3): Set<number> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const shingles = new Set<number>();
  if (words.length === 0) return shingles;
  const hashes = words.map(hashWord);
  const last = Math.max(0, hashes.length - size);
  for (let index = 0; index <= last; index++) {
    let hash = 2166136261;
    for (let offset = index; offset < Math.min(index + size, hashes.length); offset++) hash = Math.imul(hash ^ (hashes[offset] as number), 16777619);
    shingles.add(hash >>> 0);
  }
  return shingles;
}

function hashWord(word: string): number {
  let hash = 2166136261;
  for (let index = 0; index < word.length; index++) hash = Math.imul(hash ^ word.charCodeAt(index), 16777619);
  return hash >>> 0;
}

/** |a ∩ b| / |a ∪ b|; 0 when both are empty (empty texts are not duplicates of each other by this measure). */
export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 && b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const shingle of small) if (large.has(shingle)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * Keeps the better-scored item of every near-duplicate pair (similarity ≥ `threshold`).
 * Returns the kept items in descending score order (ties keep input order) and the number dropped.
 */
export function dropNearDuplicates<T>(
  items: readonly T[],
  textOf: (item: T) => string,
  scoreOf: (item: T) => number,
  threshold = 0.8,
): { kept: T[]; dropped: number } {
  const ordered = items.map((item, index) => ({ item, index })).sort((a, b) => scoreOf(b.item) - scoreOf(a.item) || a.index - b.index);
  const kept: { item: T; shingles: Set<number> }[] = [];
  let dropped = 0;
  for (const { item } of ordered) {
    const shingles = wordShingles(textOf(item));
    // Jaccard is at most min(|a|, |b|) / max(|a|, |b|): sets of very different sizes are skipped unseen.
    const similar = (other: Set<number>) =>
      Math.min(other.size, shingles.size) >= threshold * Math.max(other.size, shingles.size) && jaccard(other, shingles) >= threshold;
    if (kept.some((other) => similar(other.shingles))) {
      dropped++;
      continue;
    }
    kept.push({ item, shingles });
  }
  return { kept: kept.map((entry) => entry.item), dropped };
}
