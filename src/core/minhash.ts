/**
 * MinHash over word shingles, with LSH banding (Broder 1997; Leskovec, Rajaraman & Ullman, "Mining of
 * Massive Datasets" ch. 3). Two documents' signatures agree at a position with probability equal to the
 * Jaccard similarity of their shingle sets, so the share of equal positions estimates it (standard error
 * sqrt(J(1-J)/120), about 0.037 at J = 0.8; somewhat more for short texts, see minhashSignature).
 *
 * Banding: 20 bands of 6 rows. Two documents become candidates when one band is equal, with probability
 * 1 - (1 - J^6)^20: 0.92 at J = 0.7, 0.998 at J = 0.8, 0.27 at J = 0.5. The layout is fixed (stored band
 * keys stay valid whatever threshold is configured); thresholds below 0.7 would miss pairs, so the
 * configuration refuses them.
 */
export const MINHASH_SIZE = 120;
export const LSH_BANDS = 20;
export const LSH_ROWS = MINHASH_SIZE / LSH_BANDS;
/** Words per shingle. */
export const SHINGLE_WORDS = 5;

const WORD = /[\p{L}\p{N}]+/gu;
/** A position no shingle fell into yet; shingle values have their top bit clear, borrowed ones set. */
const EMPTY = 0xffffffff;

/** MurmurHash3's 32-bit finaliser: a bijection that spreads every input bit. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, 32 bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The distinct lower-cased word 5-shingles of a text, each as a 32-bit hash (a text of fewer words is
 * one shingle); empty for a text without words.
 */
export function shingleHashes(text: string): Uint32Array {
  const words = text.toLowerCase().match(WORD);
  if (words === null || words.length === 0) return new Uint32Array(0);
  const wordHashes = words.map(fnv1a);
  const last = Math.max(0, words.length - SHINGLE_WORDS);
  const shingles = new Set<number>();
  for (let start = 0; start <= last; start += 1) {
    let hash = 0x811c9dc5;
    const end = Math.min(start + SHINGLE_WORDS, words.length);
    for (let i = start; i < end; i += 1) hash = mix32(hash ^ wordHashes[i]!);
    shingles.add(hash);
  }
  return Uint32Array.from(shingles);
}

/**
 * The MinHash signature of a text's lower-cased word 5-shingles (a text of fewer words is one shingle);
 * undefined for a text without words, which is nobody's near-duplicate.
 */
export function minhashSignature(text: string): Uint32Array | undefined {
  return signatureOfShingles(shingleHashes(text));
}

/**
 * The MinHash signature of a set of shingle hashes (shingleHashes); undefined for an empty set.
 *
 * One-permutation hashing with densification (Li, Owen & Zhang 2012; Shrivastava & Li 2014): each
 * shingle is hashed once, its top bits pick one of the 120 positions and the minimum of another mix of
 * it is kept there, so a shingle costs a few integer operations instead of 120 hash evaluations (3×
 * cheaper on the docs corpus). A position no shingle fell into (texts of a few hundred words or less)
 * borrows the value of the next filled position to its right, mixed with the distance, so two texts
 * agree there exactly when they agree on the position they borrow from.
 */
export function signatureOfShingles(shingles: Iterable<number>): Uint32Array | undefined {
  const signature = new Uint32Array(MINHASH_SIZE).fill(EMPTY);
  let any = false;
  for (const hash of shingles) {
    any = true;
    const position = Math.floor((hash * MINHASH_SIZE) / 0x1_0000_0000);
    const value = mix32(hash ^ 0x5bd1e995) >>> 1;
    if (value < signature[position]!) signature[position] = value;
  }
  if (!any) return undefined;
  for (let i = 0; i < MINHASH_SIZE; i += 1) {
    if (signature[i] !== EMPTY) continue;
    for (let distance = 1; distance < MINHASH_SIZE; distance += 1) {
      const from = signature[(i + distance) % MINHASH_SIZE]!;
      // Only values written by a shingle (top bit clear) are borrowed, never borrowed ones.
      if (from < 0x8000_0000) {
        signature[i] = (mix32(from ^ Math.imul(distance, 0x9e3779b9)) | 0x8000_0000) >>> 0;
        break;
      }
    }
  }
  return signature;
}

/**
 * The signature of a document's shingles less those in `boilerplate` (shingles common to many documents
 * of the collection, decision 0038); of all of them when nothing else is left, so identical copies of pure
 * boilerplate still match. Undefined for an empty set.
 */
export function signatureWithout(shingles: Uint32Array, boilerplate: ReadonlySet<number>): Uint32Array | undefined {
  if (boilerplate.size === 0) return signatureOfShingles(shingles);
  const kept = shingles.filter((hash) => !boilerplate.has(hash));
  return signatureOfShingles(kept.length > 0 ? kept : shingles);
}

/**
 * The shingles found in `bound` or more of the given sets (each a document's distinct shingles), with
 * that count. Counted by concatenating and sorting, not with a map: the docs corpus' 13,806 documents
 * hold millions of shingle occurrences, and a sorted typed array costs 4 bytes each.
 */
export function commonShingles(sets: readonly Uint32Array[], bound: number): Map<number, number> {
  let total = 0;
  for (const set of sets) total += set.length;
  const all = new Uint32Array(total);
  let at = 0;
  for (const set of sets) {
    all.set(set, at);
    at += set.length;
  }
  all.sort();
  const common = new Map<number, number>();
  for (let i = 0; i < all.length; ) {
    let j = i + 1;
    while (j < all.length && all[j] === all[i]) j += 1;
    if (j - i >= bound) common.set(all[i]!, j - i);
    i = j;
  }
  return common;
}

/** True when two signatures are equal at every position. */
export function sameSignature(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** Share of equal positions: the estimated Jaccard similarity of the two shingle sets. */
export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let equal = 0;
  for (let i = 0; i < MINHASH_SIZE; i += 1) if (a[i] === b[i]) equal += 1;
  return equal / MINHASH_SIZE;
}

/**
 * One key per band: a 48-bit hash of the band index and its rows, a safe integer for SQL columns.
 * Equal bands give equal keys; unequal bands collide with probability about 2^-48.
 */
export function lshBandKeys(signature: Uint32Array): number[] {
  const keys: number[] = [];
  for (let band = 0; band < LSH_BANDS; band += 1) {
    let high = mix32(band + 1);
    let low = mix32(high ^ 0x5bd1e995);
    for (let row = 0; row < LSH_ROWS; row += 1) {
      const value = signature[band * LSH_ROWS + row]!;
      high = mix32(high ^ value);
      low = mix32((low + value + row) >>> 0);
    }
    keys.push((high & 0xffff) * 0x1_0000_0000 + low);
  }
  return keys;
}

/** A signature or a shingle set as little-endian uint32 bytes (stored as a BLOB / bytea). */
export function signatureToBytes(signature: Uint32Array): Buffer {
  return Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
}

export function signatureFromBytes(bytes: Uint8Array): Uint32Array {
  const copy = new Uint8Array(bytes);
  return new Uint32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}

/** A document's signature with the id the store gave it. */
export interface Fingerprint {
  documentId: number;
  signature: Uint32Array;
}

/**
 * Near-duplicate clusters among `members`: connected components of the graph whose edges join pairs
 * with estimatedJaccard ≥ threshold. Each cluster is named by its smallest document id; the result maps
 * every member to its cluster. Quadratic in the members: callers pass one former cluster, a handful.
 */
export function clusterFingerprints(members: readonly Fingerprint[], threshold: number): Map<number, number> {
  const parent = new Map<number, number>(members.map((member) => [member.documentId, member.documentId]));
  const root = (id: number): number => {
    let current = id;
    while (parent.get(current) !== current) current = parent.get(current)!;
    parent.set(id, current);
    return current;
  };
  for (let i = 0; i < members.length; i += 1) {
    for (let j = i + 1; j < members.length; j += 1) {
      if (estimatedJaccard(members[i]!.signature, members[j]!.signature) < threshold) continue;
      const a = root(members[i]!.documentId);
      const b = root(members[j]!.documentId);
      if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
    }
  }
  const clusters = new Map<number, number>();
  for (const member of members) clusters.set(member.documentId, root(member.documentId));
  return clusters;
}
