import type { Block, ParsedDocument } from '../../core/parsed-document.js';
import { decodeText } from './detect-encoding.js';
import { jsonNestingDepth, nestingBombError } from './nesting-depth.js';
import { emptyFileError, isBlank, parseError } from './parse-error.js';
import { DEFAULT_PARSE_LIMITS } from './parse-limits.js';
import type { ParseInput, Parser } from './parser.js';

/** Upper bound on blocks per document; beyond it consecutive elements share a block. */
const MAX_BLOCKS = 10_000;

/**
 * JSON: one block per top-level key (objects) or element (arrays), pretty-printed with two-space
 * indentation; string scalars become `text`, everything else `code` (language `json`).
 * JSON Lines: one block per line, compact, with its 1-based `line`. Invalid JSON is PARSE_CORRUPT.
 * Past MAX_BLOCKS, consecutive elements or lines share a block so huge files stay bounded.
 * Nesting deeper than ingest.limits.maxNestingDepth is PARSE_BOMB: `JSON.parse` copes, but the
 * pretty-printing `JSON.stringify` recurses and overflows the stack (at ~10,000 levels).
 */
export const jsonParser: Parser = {
  id: 'json',
  extensions: ['json', 'jsonl', 'ndjson'],
  async parse(input: ParseInput): Promise<ParsedDocument> {
    const { text: raw, encoding } = decodeText(input.bytes);
    if (isBlank(raw)) throw emptyFileError(input.fileName);
    const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    const maxDepth = (input.limits ?? DEFAULT_PARSE_LIMITS).maxNestingDepth;
    if (jsonNestingDepth(text, maxDepth, input.extension !== 'json') > maxDepth) throw nestingBombError(input.fileName, 'the JSON', maxDepth);
    const blocks = input.extension === 'json' ? jsonBlocks(text, input.fileName) : jsonLinesBlocks(text, input.fileName);
    if (blocks.length === 0) throw emptyFileError(input.fileName);
    return { title: input.fileName, format: 'json', blocks, metadata: { encoding } };
  },
};

function jsonBlocks(text: string, fileName: string): Block[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw parseError('PARSE_CORRUPT', fileName, `invalid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parts: string[] = [];
  if (Array.isArray(value)) {
    for (const element of value) parts.push(pretty(element));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) parts.push(`${JSON.stringify(key)}: ${pretty(entry)}`);
  } else if (typeof value === 'string') {
    return isBlank(value) ? [] : [{ kind: 'text', text: value }];
  } else {
    return [{ kind: 'code', text: String(value), language: 'json' }];
  }
  const groupSize = Math.ceil(parts.length / MAX_BLOCKS);
  const blocks: Block[] = [];
  for (let index = 0; index < parts.length; index += groupSize) {
    blocks.push({ kind: 'code', text: parts.slice(index, index + groupSize).join(',\n'), language: 'json' });
  }
  return blocks;
}

function jsonLinesBlocks(text: string, fileName: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw parseError('PARSE_CORRUPT', fileName, `invalid JSON on line ${index + 1}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const rendered = typeof value === 'string' ? value : JSON.stringify(value);
    if (!isBlank(rendered)) blocks.push({ kind: 'code', text: rendered, language: 'json', line: index + 1 });
  });
  if (blocks.length <= MAX_BLOCKS) return blocks;
  const groupSize = Math.ceil(blocks.length / MAX_BLOCKS);
  const grouped: Block[] = [];
  for (let index = 0; index < blocks.length; index += groupSize) {
    const group = blocks.slice(index, index + groupSize);
    const first = group[0];
    grouped.push({ kind: 'code', text: group.map((block) => block.text).join('\n'), language: 'json', line: first && 'line' in first ? first.line : undefined });
  }
  return grouped;
}

function pretty(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value, null, 2) ?? 'null';
}
