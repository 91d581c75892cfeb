/**
 * Near-duplicate detection by Jaccard similarity of word shingles (Broder 1997, "On the resemblance
 * and containment of documents"). Words are case-folded runs of letters and digits, so whitespace and
 * punctuation differences do not hide a copy.
 */

/**
 * Shingles of `size` consecutive words, each hashed to a 32-bit number (FNV-1a over the word hashes):
 * a rare hash collision nudges a similarity by one shingle, and numbers make the sets several times
 * faster than strings. A text shorter than `size` words is one shingle.
 */
export function wordShingles(text: string, size = 3): Set<number> {
  const hashes = wordHashes(text);
  const shingles = new Set<number>();
  if (hashes.length === 0) return shingles;
  const last = Math.max(0, hashes.length - size);
  for (let index = 0; index <= last; index++) {
    let hash = 2166136261;
    for (let offset = index; offset < Math.min(index + size, hashes.length); offset++) hash = Math.imul(hash ^ (hashes[offset] as number), 16777619);
    shingles.add(hash >>> 0);
  }
  return shingles;
}

/**
 * FNV-1a hash of every word, case-folded. A word is a run of ASCII letters and digits or of non-ASCII
 * characters other than whitespace and punctuation (U+2000–U+206F, U+3000–U+303F, U+FF00–U+FF0F),
 * scanned by char code: this runs once per retrieved chunk on every answer, so no regex or substrings.
 */
function wordHashes(text: string): number[] {
  const hashes: number[] = [];
  let hash = 2166136261;
  let inWord = false;
  for (let index = 0; index <= text.length; index++) {
    let code = index < text.length ? text.charCodeAt(index) : 32;
    let wordChar: boolean;
    if (code < 128) {
      if (code >= 65 && code <= 90) code += 32;
      wordChar = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    } else {
      wordChar = !(code === 0xa0 || (code >= 0x2000 && code <= 0x206f) || (code >= 0x3000 && code <= 0x303f) || (code >= 0xff00 && code <= 0xff0f));
      if (wordChar && code < 0x2000) code = text[index]!.toLowerCase().charCodeAt(0);
    }
    if (wordChar) {
      hash = Math.imul(hash ^ code, 16777619);
      inWord = true;
    } else if (inWord) {
      hashes.push(hash >>> 0);
      hash = 2166136261;
      inWord = false;
    }
  }
  return hashes;
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
