import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Chunk } from '../../core/chunk.js';
import type { Block, ParsedDocument } from '../../core/parsed-document.js';
import { type ChunkOptions, embeddingInput } from './chunk-document.js';

/**
 * Test support for the chunker: the invariants every `chunkDocument` result must satisfy, and a
 * random document generator for property-style loops. Used by the chunker's tests only.
 */


interface DocumentWord {
  word: string;
  page?: number;
  line?: number;
}

/** The words of the blocks in reading order, with the page and (for line-numbered blocks) line each came from. */
function documentWords(document: ParsedDocument): DocumentWord[] {
  const out: DocumentWord[] = [];
  let rowHeader: string | undefined;
  for (const block of document.blocks) {
    const page = block.kind === 'row' ? undefined : block.page;
    const firstLine = block.kind === 'heading' || block.kind === 'table' ? undefined : block.line;
    if (block.kind === 'row' && block.header !== rowHeader) {
      for (const word of block.header.split(/\s+/)) if (word) out.push({ word });
    }
    rowHeader = block.kind === 'row' ? block.header : undefined;
    block.text.split('\n').forEach((line, lineIndex) => {
      for (const word of line.split(/\s+/)) {
        if (!word) continue;
        out.push({ word, ...(page === undefined ? {} : { page }), ...(firstLine === undefined ? {} : { line: firstLine + lineIndex }) });
      }
    });
  }
  return out;
}

export function assertChunkInvariants(document: ParsedDocument, chunks: Chunk[], options: ChunkOptions, label: string, checkWords = true): void {
  const { tokenizer } = options;
  chunks.forEach((chunk, index) => {
    assert.equal(chunk.ordinal, index, `${label}: ordinals are 0..n-1`);
    assert.ok(chunk.text.trim().length > 0, `${label}: chunk ${index} is not empty`);
    assert.equal(chunk.tokenCount, tokenizer.count(chunk.text), `${label}: chunk ${index} tokenCount is a real count`);
    assert.ok(chunk.tokenCount <= options.chunkSize, `${label}: chunk ${index} has ${chunk.tokenCount} > ${options.chunkSize} tokens`);
    const input = embeddingInput(document.title, chunk);
    const inputTokens = tokenizer.count(input);
    assert.ok(inputTokens <= options.maxTokens, `${label}: chunk ${index} embedding input has ${inputTokens} > ${options.maxTokens} tokens`);
    assert.equal(chunk.contentHash, createHash('sha256').update(input).digest('hex'), `${label}: contentHash`);
  });
  if (!checkWords) return;
  const chunkWords = chunks.map((chunk) => chunk.text.split(/\s+/).filter((word) => word.length > 0));
  let chunkIndex = 0;
  let wordIndex = 0;
  for (const expected of documentWords(document)) {
    const exact = findWord(chunkWords, chunkIndex, wordIndex, expected.word, false);
    const found = exact ?? findWord(chunkWords, chunkIndex, wordIndex, expected.word, true);
    assert.ok(found !== null, `${label}: word ${JSON.stringify(expected.word)} is missing or out of order`);
    [chunkIndex, wordIndex] = found;
    const chunk = chunks[chunkIndex] as Chunk;
    if (expected.page !== undefined) {
      const covered = chunk.pageStart !== undefined && chunk.pageEnd !== undefined && chunk.pageStart <= expected.page && expected.page <= chunk.pageEnd;
      assert.ok(covered, `${label}: chunk ${chunkIndex} pages ${chunk.pageStart}-${chunk.pageEnd} miss page ${expected.page} of ${expected.word}`);
    }
    if (expected.line !== undefined) {
      const covered = chunk.lineStart !== undefined && chunk.lineEnd !== undefined && chunk.lineStart <= expected.line && expected.line <= chunk.lineEnd;
      assert.ok(covered, `${label}: chunk ${chunkIndex} lines ${chunk.lineStart}-${chunk.lineEnd} miss line ${expected.line} of ${expected.word}`);
    }
  }
}

/**
 * Position just after the first occurrence of `word` at or after (chunkIndex, wordIndex), or null.
 * With `allowCut`, a word may also appear cut into consecutive parts (a word longer than the budget).
 */
function findWord(chunkWords: string[][], chunkIndex: number, wordIndex: number, word: string, allowCut: boolean): [number, number] | null {
  let rest = word;
  for (let chunk = chunkIndex; chunk < chunkWords.length; chunk++) {
    const words = chunkWords[chunk] as string[];
    for (let index = chunk === chunkIndex ? wordIndex : 0; index < words.length; index++) {
      const candidate = words[index] as string;
      if (candidate === rest) return [chunk, index + 1];
      if (allowCut && candidate.length < rest.length && rest.startsWith(candidate)) rest = rest.slice(candidate.length);
    }
  }
  return null;
}

const VOCABULARY = [
  'the', 'configuration', 'server', 'returns', 'an', 'error', 'when', 'token', 'is', 'invalid', 'naïve', 'café',
  'useEffect()', 'snake_case', 'x=1;', '{}', '->', 'https://example.com/a?b=c', '日本語', '😀', 'Ünïcode', 'a.b.c',
  'supercalifragilistic', '42', '3.14', '--flag', '"quoted"', '(paren)', '#hash', '`tick`',
];

function randomWords(next: () => number, count: number): string {
  const words: string[] = [];
  for (let index = 0; index < count; index++) {
    let word = VOCABULARY[Math.floor(next() * VOCABULARY.length)] as string;
    if (next() < 0.12) word += '.';
    words.push(word);
  }
  return words.join(next() < 0.1 ? '  ' : ' ');
}

function randomLines(next: () => number, lines: number, wordsPerLine: number, blankLines: boolean): string {
  const out: string[] = [];
  for (let index = 0; index < lines; index++) {
    if (blankLines && next() < 0.15) out.push('');
    out.push(randomWords(next, 1 + Math.floor(next() * wordsPerLine)));
  }
  return out.join('\n');
}

/** A random mix of every block kind, with pages or line numbers, headings at random levels. */
export function randomDocument(next: () => number): ParsedDocument {
  const blocks: Block[] = [];
  const count = Math.floor(next() * 30);
  const paged = next() < 0.5;
  let page = 1;
  let line = 1;
  for (let index = 0; index < count; index++) {
    if (paged && next() < 0.2) page++;
    const kind = next();
    const where = paged ? { page } : {};
    if (kind < 0.2) {
      blocks.push({ kind: 'heading', level: 1 + Math.floor(next() * 4), text: randomWords(next, 1 + Math.floor(next() * 6)), ...where });
    } else if (kind < 0.55) {
      const text = randomLines(next, 1 + Math.floor(next() * 8), 40, false);
      blocks.push({ kind: 'text', text, ...where, line });
      line += text.split('\n').length + 1;
    } else if (kind < 0.75) {
      const text = randomLines(next, 1 + Math.floor(next() * 40), 12, true);
      blocks.push({ kind: 'code', text, ...where, line });
      line += text.split('\n').length + 1;
    } else if (kind < 0.85) {
      const header = `| ${randomWords(next, 3)} |\n| --- |`;
      const rows = Array.from({ length: 1 + Math.floor(next() * 30) }, () => `| ${randomWords(next, 1 + Math.floor(next() * 8))} |`);
      blocks.push({ kind: 'table', text: `${header}\n${rows.join('\n')}`, header, ...where });
    } else {
      const header = next() < 0.1 ? randomWords(next, 150) : randomWords(next, 4);
      const rows = 1 + Math.floor(next() * 40);
      for (let row = 0; row < rows; row++) blocks.push({ kind: 'row', text: randomWords(next, 1 + Math.floor(next() * 10)), header, line: line++ });
    }
  }
  const title = next() < 0.1 ? randomWords(next, 80) : randomWords(next, 3);
  return { title, format: 'text', blocks, metadata: {} };
}
