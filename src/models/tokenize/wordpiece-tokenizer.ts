import type { ModelTokenizer } from './load-tokenizer.js';
import {
  ASCII_PUNCTUATION,
  type BertNormalizerOptions,
  normalizeBert,
  PRE_TOKEN_PATTERN,
  SPACE_TABLE,
} from './bert-text-classes.js';
import { FNV_OFFSET, FNV_PRIME, SegmentCache } from './segment-cache.js';
import { VocabTable } from './vocab-table.js';

/** A WordPiece tokenizer as read from `tokenizer.json` by `wordPieceSpecFromJson`. */
export interface WordPieceSpec {
  vocab: Map<string, number>;
  unknownToken: string;
  continuingSubwordPrefix: string;
  maxInputCharsPerWord: number;
  normalizer: BertNormalizerOptions;
  /** Added tokens matched verbatim in the raw text (none may contain whitespace). */
  addedTokens: Map<string, number>;
}

/** Segments longer than this (UTF-16 units) are tokenised without caching. */
const MAX_CACHED_SEGMENT = 256;
/** Longest ASCII word tokenised through the code-unit tables; longer ones (up to the model's limit) take the string path. */
const WORD_BUFFER_LIMIT = 1024;
/**
 * `String.prototype.charCodeAt`, called as `charCodeAt.call(text, index)` in the scan loop. V8 keys
 * the `text.charCodeAt` load on the string's representation (sequential, cons, sliced, internalized;
 * one- or two-byte); chunk texts come in more than four, the load goes megamorphic and every
 * character pays a stub-cache probe and an un-inlined call. Through `.call` on a module-local
 * constant the builtin is inlined again (an imported binding is not folded: measured slower).
 * Measured 2026-11-21: in a docs-corpus ingest `--log-ic` showed this load megamorphic and perf put
 * 272 samples of the megamorphic stub under the scan loop, 55 after. Where the texts come in few
 * representations (embedding inputs alone) both forms cost the same.
 */
const charCodeAt = String.prototype.charCodeAt;

/**
 * A fast WordPiece tokenizer (BERT: BertNormalizer + BertPreTokenizer + WordPiece) that returns the
 * same ids as transformers.js for the same `tokenizer.json`, without special tokens.
 *
 * Why it is exact while working piecewise: every step of the reference pipeline is either per
 * character (cleaning, CJK padding, NFD, mark removal) or bounded by whitespace (pre-tokenisation;
 * `toLowerCase`'s only context rule, final sigma, stops at whitespace; added tokens contain none).
 * So the text can be cut at the characters that cleaning turns into spaces and each segment
 * tokenised on its own. Segments are cached (bounded), and a segment of printable ASCII takes a
 * path with no regular expressions, no slices and no string hashing (code-unit tables). Measured
 * per CPU-second: a sample of docs-corpus files encoded 4.2M tokens/s with a cold cache before the
 * code-unit path, 14M warm, count 19M, transformers.js 0.66M; counting all 82,557 corpus chunks with
 * a fresh tokenizer went from 6.5M to 13M tokens/s with the code-unit path (2026-11-21).
 */
export class WordPieceTokenizer implements ModelTokenizer {
  readonly id: string;
  readonly exact = true as const;
  /** Exactly additive across whitespace: the text is tokenised segment by segment between whitespace. */
  readonly additive = true;
  private readonly vocab: Map<string, number>;
  /** Vocabulary entries that start with the continuation prefix, keyed without it. */
  private readonly continuation = new Map<string, number>();
  private readonly unknownId: number;
  /** Longest vocabulary entry in code points (continuation entries without their prefix): no longer piece can match. */
  private readonly longestPiece: number;
  private readonly maxInputCharsPerWord: number;
  private readonly normalizer: BertNormalizerOptions;
  /** Longest first, so the first hit at a position is the longest match (as the reference trie). */
  private readonly addedTokens: Array<{ content: string; id: number }>;
  /** 1 at the code unit that starts some added token. */
  private readonly addedFirstCodes = new Uint8Array(0x10000);
  private readonly asciiPunctuationIds = new Int32Array(128).fill(-1);
  private readonly cache = new SegmentCache();
  /** The vocabulary and its continuation entries again, looked up by code units (the ASCII path). */
  private readonly wholeTable: VocabTable;
  private readonly continuationTable: VocabTable;
  /** Scratch: an ASCII word's (lowercased) code units, and the hashes of its prefixes from one position. */
  private readonly word: Uint16Array;
  private readonly prefixHashes: Int32Array;

  constructor(id: string, spec: WordPieceSpec) {
    this.id = id;
    this.vocab = spec.vocab;
    const unknownId = spec.vocab.get(spec.unknownToken);
    if (unknownId === undefined) throw new Error(`unknown token ${spec.unknownToken} is not in the vocabulary`);
    this.unknownId = unknownId;
    this.maxInputCharsPerWord = spec.maxInputCharsPerWord;
    this.normalizer = spec.normalizer;
    const prefix = spec.continuingSubwordPrefix;
    for (const [token, tokenId] of spec.vocab) {
      if (prefix.length > 0 && token.startsWith(prefix)) this.continuation.set(token.slice(prefix.length), tokenId);
    }
    if (prefix.length === 0) for (const [token, tokenId] of spec.vocab) this.continuation.set(token, tokenId);
    let longest = 1;
    for (const token of spec.vocab.keys()) longest = Math.max(longest, Array.from(token).length);
    this.longestPiece = longest;
    this.addedTokens = [...spec.addedTokens]
      .map(([content, tokenId]) => ({ content, id: tokenId }))
      .filter((token) => token.content.length > 0)
      .sort((a, b) => b.content.length - a.content.length);
    for (const token of this.addedTokens) this.addedFirstCodes[token.content.charCodeAt(0)] = 1;
    this.wholeTable = new VocabTable(spec.vocab);
    this.continuationTable = new VocabTable(this.continuation);
    this.word = new Uint16Array(Math.min(this.maxInputCharsPerWord, WORD_BUFFER_LIMIT));
    this.prefixHashes = new Int32Array(Math.max(this.wholeTable.longestKey, this.continuationTable.longestKey, 1));
    for (let code = 33; code < 127; code++) {
      if (ASCII_PUNCTUATION[code] === 1) {
        this.asciiPunctuationIds[code] = spec.vocab.get(String.fromCharCode(code)) ?? unknownId;
      }
    }
  }

  encode(text: string): number[] {
    const out: number[] = [];
    this.scan(text, out);
    return out;
  }

  /** Same as `encode(text).length`, without building the id array. */
  count(text: string): number {
    return this.scan(text, null);
  }

  /** Cuts `text` at whitespace, appends each segment's ids to `out` (when given); returns the number of ids. */
  private scan(text: string, out: number[] | null): number {
    let total = 0;
    let start = -1;
    let hash = FNV_OFFSET;
    const length = text.length;
    for (let index = 0; index <= length; index++) {
      const code = index < length ? charCodeAt.call(text, index) : 32;
      if (SPACE_TABLE[code] !== 1) {
        if (start < 0) {
          start = index;
          hash = FNV_OFFSET;
        }
        hash = Math.imul(hash ^ code, FNV_PRIME);
        continue;
      }
      if (start < 0) continue;
      total += this.segment(text, start, index, hash, out);
      start = -1;
    }
    return total;
  }

  /** Ids of `text[start, end)` (a whitespace-free segment) from the cache, or tokenised and cached. */
  private segment(text: string, start: number, end: number, hash: number, out: number[] | null): number {
    const cacheable = end - start <= MAX_CACHED_SEGMENT;
    if (cacheable) {
      const slot = this.cache.find(text, start, end, hash);
      if (slot >= 0) {
        if (out !== null) this.cache.copyIds(slot, out);
        return this.cache.idCount(slot);
      }
    }
    const ids: number[] = [];
    this.tokenizeSegment(text, start, end, ids);
    if (cacheable) this.cache.insert(text, start, end, hash, ids);
    if (out !== null) for (let index = 0; index < ids.length; index++) out.push(ids[index] as number);
    return ids.length;
  }

  /**
   * Splits the segment `text[start, end)` at added tokens (leftmost, longest), tokenising the text
   * between. Works on offsets into `text`: slicing each segment gave strings of many representations,
   * and the string loads on them went megamorphic in V8.
   */
  private tokenizeSegment(text: string, start: number, end: number, out: number[]): void {
    let pieceStart = start;
    if (this.addedTokens.length > 0) {
      for (let index = start; index < end; index++) {
        if (this.addedFirstCodes[text.charCodeAt(index)] !== 1) continue;
        const match = this.addedTokenAt(text, index, end);
        if (match === null) continue;
        if (index > pieceStart) this.tokenizePiece(text, pieceStart, index, out);
        out.push(match.id);
        index += match.content.length - 1;
        pieceStart = index + 1;
      }
    }
    if (pieceStart < end) this.tokenizePiece(text, pieceStart, end, out);
  }

  /** The longest added token that starts at `text[index]` and ends by `end`, or null. */
  private addedTokenAt(text: string, index: number, end: number): { content: string; id: number } | null {
    for (const token of this.addedTokens) {
      const content = token.content;
      if (index + content.length > end) continue;
      let offset = 0;
      while (offset < content.length && content.charCodeAt(offset) === text.charCodeAt(index + offset)) offset++;
      if (offset === content.length) return token;
    }
    return null;
  }

  private tokenizePiece(text: string, start: number, end: number, out: number[]): void {
    for (let index = start; index < end; index++) {
      const code = text.charCodeAt(index);
      if (code < 33 || code > 126) {
        this.tokenizeExact(text.slice(start, end), out);
        return;
      }
    }
    this.tokenizeAscii(text, start, end, out);
  }

  /** Printable ASCII: runs of letters/digits are words, every other character is a token of its own. */
  private tokenizeAscii(text: string, start: number, end: number, out: number[]): void {
    const lowercase = this.normalizer.lowercase;
    let wordStart = -1;
    for (let index = start; index <= end; index++) {
      const code = index < end ? text.charCodeAt(index) : 32;
      if (code !== 32 && ASCII_PUNCTUATION[code] !== 1) {
        if (wordStart < 0) wordStart = index;
        continue;
      }
      if (wordStart >= 0) {
        this.asciiWordIds(text, wordStart, index, lowercase, out);
        wordStart = -1;
      }
      if (code !== 32) out.push(this.asciiPunctuationIds[code] as number);
    }
  }

  /**
   * WordPiece on the ASCII word `text[start, end)` (lowercased into a scratch buffer when the
   * normaliser lowercases): greedy longest match from the left through the code-unit tables, the
   * hash of every candidate taken from one pass of prefix hashes. Same result as `wordIds`.
   */
  private asciiWordIds(text: string, start: number, end: number, lowercase: boolean, out: number[]): void {
    const length = end - start;
    if (length > this.maxInputCharsPerWord) {
      out.push(this.unknownId);
      return;
    }
    if (length > this.word.length) {
      const slice = text.slice(start, end);
      this.wordIds(lowercase ? slice.toLowerCase() : slice, false, out);
      return;
    }
    const word = this.word;
    for (let index = 0; index < length; index++) {
      const code = text.charCodeAt(start + index);
      word[index] = lowercase && code >= 65 && code <= 90 ? code + 32 : code;
    }
    const hashes = this.prefixHashes;
    const firstOut = out.length;
    let from = 0;
    while (from < length) {
      const table = from === 0 ? this.wholeTable : this.continuationTable;
      const limit = Math.min(length, from + table.longestKey);
      let hash = FNV_OFFSET;
      for (let index = from; index < limit; index++) {
        hash = Math.imul(hash ^ (word[index] as number), FNV_PRIME);
        hashes[index - from] = hash;
      }
      let to = limit;
      let found = -1;
      for (; to > from; to--) {
        found = table.find(word, from, to, hashes[to - from - 1] as number);
        if (found >= 0) break;
      }
      if (found < 0) {
        out.length = firstOut;
        out.push(this.unknownId);
        return;
      }
      out.push(found);
      from = to;
    }
  }

  /** Anything else: the reference normaliser and pre-tokeniser, step for step. */
  private tokenizeExact(piece: string, out: number[]): void {
    const normalized = normalizeBert(piece, this.normalizer).trim();
    if (normalized.length === 0) return;
    for (const match of normalized.matchAll(PRE_TOKEN_PATTERN)) this.wordIds(match[0], true, out);
  }

  /** WordPiece: greedy longest match from the left, continuation pieces prefixed; any miss makes the word [UNK]. */
  private wordIds(word: string, mayHaveAstral: boolean, out: number[]): void {
    const whole = this.vocab.get(word);
    const chars = mayHaveAstral && word.length > 1 ? Array.from(word) : null;
    const charCount = chars === null ? word.length : chars.length;
    if (charCount > this.maxInputCharsPerWord) {
      out.push(this.unknownId);
      return;
    }
    if (whole !== undefined) {
      out.push(whole);
      return;
    }
    /** UTF-16 offset of each code point boundary (identity for words without astral characters). */
    let offsets: number[] | null = null;
    if (chars !== null && charCount !== word.length) {
      offsets = [0];
      for (const char of chars) offsets.push((offsets.at(-1) as number) + char.length);
    }
    const firstOut = out.length;
    let start = 0;
    while (start < charCount) {
      let end = Math.min(charCount, start + this.longestPiece);
      let found: number | undefined;
      const startOffset = offsets === null ? start : (offsets[start] as number);
      while (start < end) {
        const piece = word.slice(startOffset, offsets === null ? end : (offsets[end] as number));
        found = start === 0 ? this.vocab.get(piece) : this.continuation.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) {
        out.length = firstOut;
        out.push(this.unknownId);
        return;
      }
      out.push(found);
      start = end;
    }
  }
}
