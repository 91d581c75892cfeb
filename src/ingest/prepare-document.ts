import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Chunk } from '../core/chunk.js';
import type { ParsedDocument } from '../core/parsed-document.js';
import type { SourceItem } from '../core/source-item.js';
import type { DocumentState } from '../stores/chunk-store.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';
import { parseFile } from './parse/parse-file.js';
import type { ParseLimits } from './parse/parse-limits.js';
import { chunkDocument } from './chunk/chunk-document.js';

export type PreparedDocument =
  | { kind: 'unchanged'; item: SourceItem; byHash: boolean }
  | {
      kind: 'ready';
      item: SourceItem;
      contentHash: string;
      parsed: ParsedDocument;
      chunks: Chunk[];
      isNew: boolean;
      /** Vectors computed where the document was prepared (a worker with the static model), one per chunk. */
      vectors?: Float32Array[];
      /** Tokens consumed computing `vectors`. */
      tokens?: number;
    };

export interface PrepareOptions {
  tokenizer: TokenCounter;
  chunkSize: number;
  chunkOverlap: number;
  maxTokens: number;
  /** Re-parse even when size, mtime and hash are unchanged (used by re-chunking). */
  force: boolean;
  /** Read with `readFileSync`: in a prepare worker nothing else waits on the thread, and it saves the thread-pool round trips. */
  readSync?: boolean;
  /** `ingest.limits`; the configuration's defaults when absent. */
  parseLimits?: ParseLimits;
  signal?: AbortSignal;
}

export interface StageTimes {
  read: number;
  parse: number;
  chunk: number;
}

/** True when size and mtime equal the stored ones: the document is skipped without reading it. */
export function unchangedByStat(item: SourceItem, state: DocumentState | undefined, force: boolean): boolean {
  return !force && state !== undefined && state.sizeBytes === item.sizeBytes && state.modifiedMs === item.modifiedMs;
}

/**
 * Source item → parsed and chunked document, or `unchanged`. Unchanged files cost a stat (size and
 * mtime equal to the stored ones) or, when only the mtime moved, a read and a hash; never a parse.
 * Parse failures propagate as CairnError PARSE_* for the caller to report and skip.
 */
export async function prepareDocument(
  item: SourceItem,
  state: DocumentState | undefined,
  options: PrepareOptions,
  times: StageTimes,
): Promise<PreparedDocument> {
  if (unchangedByStat(item, state, options.force)) {
    return { kind: 'unchanged', item, byHash: false };
  }
  let started = performance.now();
  const bytes = options.readSync ? readFileSync(item.absolutePath) : await readFile(item.absolutePath, { signal: options.signal });
  const contentHash = createHash('sha256').update(bytes).digest('hex');
  times.read += performance.now() - started;
  if (!options.force && state && state.contentHash === contentHash) return { kind: 'unchanged', item, byHash: true };

  started = performance.now();
  const parsed = await parseFile({
    bytes,
    fileName: item.fileName ?? item.relativePath.split('/').pop() ?? item.relativePath,
    extension: item.extension,
    relativePath: item.relativePath,
    limits: options.parseLimits,
    signal: options.signal,
  });
  times.parse += performance.now() - started;

  started = performance.now();
  const chunks = chunkDocument(parsed, {
    tokenizer: options.tokenizer,
    chunkSize: options.chunkSize,
    chunkOverlap: options.chunkOverlap,
    maxTokens: options.maxTokens,
  });
  times.chunk += performance.now() - started;
  return { kind: 'ready', item, contentHash, parsed, chunks, isNew: state === undefined };
}
