import type { TokenCounter } from '../../models/tokenize/token-counter.js';

/** A piece of text with its token count; `joiner` is the whitespace that separated it from the previous piece. */
export interface CountedPiece {
  text: string;
  tokens: number;
  joiner: '\n\n' | '\n' | ' ';
}

function isSpaceCode(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 0xa0 || code === 0x3000;
}

/**
 * Sentence boundaries of one line: after `.`, `!`, `?` (or `。！？`), optionally followed by closing
 * quotes or brackets, then whitespace. Returns trimmed sentences in order; their concatenation
 * holds every non-whitespace character of `line`.
 */
export function splitSentences(line: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  const length = line.length;
  for (let index = 0; index < length; index++) {
    const code = line.charCodeAt(index);
    const isTerminal = code === 46 || code === 33 || code === 63 || code === 0x3002 || code === 0xff01 || code === 0xff1f;
    if (!isTerminal) continue;
    let end = index + 1;
    while (end < length) {
      const next = line.charCodeAt(end);
      if (next === 34 || next === 39 || next === 41 || next === 93 || next === 0x201d || next === 0x2019) end++;
      else break;
    }
    const isCjkTerminal = code >= 0x3000;
    if (end < length && !isCjkTerminal && !isSpaceCode(line.charCodeAt(end))) continue;
    const sentence = line.slice(start, end).trim();
    if (sentence.length > 0) sentences.push(sentence);
    start = end;
    index = end - 1;
  }
  const rest = line.slice(start).trim();
  if (rest.length > 0) sentences.push(rest);
  return sentences;
}

/**
 * Splits `text` (one sentence or line) into pieces of at most `budget` tokens at whitespace; a
 * single word longer than the budget is cut between characters (the only place a word is cut).
 * Token counts of whitespace-separated pieces are additive for WordPiece and the estimator.
 */
export function splitToBudget(text: string, budget: number, tokenizer: TokenCounter, joiner: CountedPiece['joiner']): CountedPiece[] {
  const pieces: CountedPiece[] = [];
  let current = '';
  let currentTokens = 0;
  const push = (piece: string, tokens: number): void => {
    pieces.push({ text: piece, tokens, joiner: pieces.length === 0 ? joiner : ' ' });
  };
  for (const word of text.split(/\s+/)) {
    if (word.length === 0) continue;
    const wordTokens = tokenizer.count(word);
    if (wordTokens > budget) {
      if (current.length > 0) push(current, currentTokens);
      current = '';
      currentTokens = 0;
      for (const part of cutWord(word, budget, tokenizer)) push(part.text, part.tokens);
      continue;
    }
    if (current.length > 0 && currentTokens + wordTokens <= budget) {
      current += ` ${word}`;
      currentTokens += wordTokens;
    } else {
      if (current.length > 0) push(current, currentTokens);
      current = word;
      currentTokens = wordTokens;
    }
  }
  if (current.length > 0) push(current, currentTokens);
  return pieces;
}

/** Cuts one over-long word into parts of at most `budget` tokens (binary search on the cut point). */
function cutWord(word: string, budget: number, tokenizer: TokenCounter): Array<{ text: string; tokens: number }> {
  const parts: Array<{ text: string; tokens: number }> = [];
  let rest = word;
  while (rest.length > 0) {
    const restTokens = tokenizer.count(rest);
    if (restTokens <= budget) {
      parts.push({ text: rest, tokens: restTokens });
      break;
    }
    let low = 1;
    let high = rest.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (tokenizer.count(rest.slice(0, middle)) <= budget) low = middle;
      else high = middle - 1;
    }
    let cut = low;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff && cut > 1) cut--;
    const part = rest.slice(0, cut);
    parts.push({ text: part, tokens: tokenizer.count(part) });
    rest = rest.slice(cut);
  }
  return parts;
}
