import type { ModelTokenizer } from './load-tokenizer.js';
import {
  ASCII_PUNCTUATION,
  type BertNormalizerOptions,
  normalizeBert,
  PRE_TOKEN_PATTERN,
  SPACE_TABLE,
} from './bert-text-classes.js';
import { FNV_OFFSET, FNV_PRIME, SegmentCache } from './segment-cache.js';

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

/**
 * A fast WordPiece tokenizer (BERT: BertNormalizer + BertPreTokenizer + WordPiece) that returns the
 * same ids as transformers.js for the same `tokenizer.json`, without special tokens.
 *
 * Why it is exact while working piecewise: every step of the reference pipeline is either per
 * character (cleaning, CJK padding, NFD, mark removal) or bounded by whitespace (pre-tokenisation;
 * `toLowerCase`'s only context rule, final sigma, stops at whitespace; added tokens contain none).
 * So the text can be cut at the characters that cleaning turns into spaces and each segment
 * tokenised on its own. Segments are cached (bounded), and a segment of printable ASCII takes a
 * path with no regular expressions. Measured on a docs-corpus sample (per CPU-second): encode
 * 4.2M tokens/s with a cold cache, 14M warm, count 19M; transformers.js 0.66M.
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
  private readonly addedFirstCodes: Set<number>;
  private readonly asciiPunctuationIds = new Int32Array(128).fill(-1);
  private readonly cache = new SegmentCache();

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
    this.addedFirstCodes = new Set(this.addedTokens.map((token) => token.content.charCodeAt(0)));
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
      const code = index < length ? text.charCodeAt(index) : 32;
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
    this.tokenizeSegment(start === 0 && end === text.length ? text : text.slice(start, end), ids);
    if (cacheable) this.cache.insert(text, start, end, hash, ids);
    if (out !== null) for (let index = 0; index < ids.length; index++) out.push(ids[index] as number);
    return ids.length;
  }

  /** Splits a whitespace-free segment at added tokens (leftmost, longest), tokenising the text between. */
  private tokenizeSegment(segment: string, out: number[]): void {
    let pieceStart = 0;
    if (this.addedTokens.length > 0) {
      for (let index = 0; index < segment.length; index++) {
        if (!this.addedFirstCodes.has(segment.charCodeAt(index))) continue;
        let match: { content: string; id: number } | undefined;
        for (const token of this.addedTokens) {
          if (segment.startsWith(token.content, index)) {
            match = token;
            break;
          }
        }
        if (match === undefined) continue;
        if (index > pieceStart) this.tokenizePiece(segment.slice(pieceStart, index), out);
        out.push(match.id);
        index += match.content.length - 1;
        pieceStart = index + 1;
      }
    }
    if (pieceStart === 0) this.tokenizePiece(segment, out);
    else if (pieceStart < segment.length) this.tokenizePiece(segment.slice(pieceStart), out);
  }

  private tokenizePiece(piece: string, out: number[]): void {
    let ascii = true;
    let hasUpper = false;
    for (let index = 0; index < piece.length; index++) {
      const code = piece.charCodeAt(index);
      if (code < 33 || code > 126) {
        ascii = false;
        break;
      }
      if (code >= 65 && code <= 90) hasUpper = true;
    }
    if (ascii) this.tokenizeAscii(hasUpper && this.normalizer.lowercase ? piece.toLowerCase() : piece, out);
    else this.tokenizeExact(piece, out);
  }

  /** Printable ASCII: runs of letters/digits are words, every other character is a token of its own. */
  private tokenizeAscii(piece: string, out: number[]): void {
    let wordStart = -1;
    for (let index = 0; index <= piece.length; index++) {
      const code = index < piece.length ? piece.charCodeAt(index) : 32;
      if (code !== 32 && ASCII_PUNCTUATION[code] !== 1) {
        if (wordStart < 0) wordStart = index;
        continue;
      }
      if (wordStart >= 0) {
        this.wordIds(wordStart === 0 && index === piece.length ? piece : piece.slice(wordStart, index), false, out);
        wordStart = -1;
      }
      if (code !== 32) out.push(this.asciiPunctuationIds[code] as number);
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
