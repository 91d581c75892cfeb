import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { test } from 'node:test';
import type { ParsedDocument } from '../../core/parsed-document.js';
import { loadTokenizer } from '../../models/tokenize/load-tokenizer.js';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { markdownParser } from '../parse/markdown-parser.js';
import { assertChunkInvariants } from './chunk-invariants.js';
import { chunkDocument } from './chunk-document.js';

function listFiles(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, out);
    else out.push(path);
  }
  return out;
}

async function parse(path: string): Promise<ParsedDocument | null> {
  try {
    const extension = extname(path).slice(1).toLowerCase();
    return await markdownParser.parse({ bytes: readFileSync(path), fileName: basename(path), extension, relativePath: basename(path) });
  } catch {
    return null;
  }
}

test('chunker invariants hold on docs-corpus Markdown with the MiniLM tokenizer', async (t) => {
  const corpus = sharedPath('data', 'docs-corpus');
  const modelDir = sharedPath('models', 'Xenova', 'all-MiniLM-L6-v2');
  if (corpus === null || modelDir === null) return t.skip(SHARED_MISSING);
  const tokenizer = await loadTokenizer(modelDir);
  const files = listFiles(corpus, []).sort();
  const step = Math.max(1, Math.floor(files.length / 300));
  const options = { tokenizer, chunkSize: 256, chunkOverlap: 38, maxTokens: 512 };
  let documents = 0;
  let chunkCount = 0;
  let wholeCodeBlocks = 0;
  for (let index = 0; index < files.length; index += step) {
    const document = await parse(files[index] as string);
    if (document === null) continue;
    const chunks = chunkDocument(document, options);
    assertChunkInvariants(document, chunks, options, files[index] as string);
    for (const block of document.blocks) {
      if (block.kind !== 'code' || tokenizer.count(block.text) > 200) continue;
      assert.ok(chunks.some((chunk) => chunk.text.includes(block.text.trim())), `${files[index]}: a code block of <= 200 tokens is kept whole`);
      wholeCodeBlocks++;
    }
    documents++;
    chunkCount += chunks.length;
  }
  assert.ok(documents >= 250, `${documents} documents chunked`);
  assert.ok(wholeCodeBlocks > 100, `${wholeCodeBlocks} code blocks checked`);
  assert.ok(chunkCount > documents, `${chunkCount} chunks`);
});
