/**
 * Near-duplicate detection by Jaccard similarity of word shingles (Broder 1997, "On the resemblance
 * and containment of documents"). Words are lower-cased runs of letters and digits, so whitespace and
 * punctuation differences do not hide a copy.
 */

/** Shingles of `size` consecutive words; a text shorter than `size` words is one shingle. */
export function wordShingles(text: string, size = 3): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const shingles = new Set<string>();
  if (words.length === 0) return shingles;
  if (words.length < size) {
    shingles.add(words.join(' '));
    return shingles;
  }
  for (let index = 0; index + size <= words.length; index++) shingles.add(words.slice(index, index + size).join(' '));
  return shingles;
}

/** |a ∩ b| / |a ∪ b|; 0 when both are empty (empty texts are not duplicates of each other by this measure). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
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
  const kept: { item: T; shingles: Set<string> }[] = [];
  let dropped = 0;
  for (const { item } of ordered) {
    const shingles = wordShingles(textOf(item));
    if (kept.some((other) => jaccard(other.shingles, shingles) >= threshold)) {
      dropped++;
      continue;
    }
    kept.push({ item, shingles });
  }
  return { kept: kept.map((entry) => entry.item), dropped };
}
