import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import type { ParsedDocument } from '../../core/parsed-document.js';
import { sharedPath, SHARED_MISSING } from '../../testing/shared-data.js';
import { isSupportedExtension, parseFile } from './parse-file.js';

function inputFor(path: string) {
  const fileName = basename(path);
  const dot = fileName.lastIndexOf('.');
  const extension = dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '';
  return { bytes: readFileSync(path), fileName, extension, relativePath: fileName };
}

const allText = (document: ParsedDocument): string => document.blocks.map((block) => block.text).join('\n');
const words = (text: string): string[] => text.normalize('NFKC').split(/\s+/).filter((word) => word !== '');

test('every fixture in pdf/, docx/, html/, md/, csv/ and txt/ parses with text', async (t) => {
  const root = sharedPath('data/files');
  if (!root) return t.skip(SHARED_MISSING);
  // A docx whose body holds only pictures has nothing to extract; it must say so, not fail otherwise.
  const imageOnly = new Set(['python-docx__having-images.docx']);
  let parsed = 0;
  for (const folder of ['pdf', 'docx', 'html', 'md', 'csv', 'txt']) {
    for (const name of readdirSync(join(root, folder))) {
      const path = join(root, folder, name);
      if (imageOnly.has(name)) {
        await assert.rejects(parseFile(inputFor(path)), { code: 'PARSE_NO_TEXT' }, name);
        continue;
      }
      const document = await parseFile(inputFor(path));
      assert.ok(document.blocks.length > 0, `${name}: no blocks`);
      assert.ok(allText(document).trim().length > 0, `${name}: no text`);
      assert.ok(document.title.trim().length > 0, `${name}: no title`);
      assert.doesNotThrow(() => JSON.stringify(document.metadata), name);
      parsed++;
    }
  }
  assert.ok(parsed >= 70, `parsed only ${parsed} fixtures`);
});

test('tricky/: each file gets its specific outcome', async (t) => {
  const root = sharedPath('data/files/tricky');
  if (!root) return t.skip(SHARED_MISSING);
  const expected: Record<string, string> = {
    'pdfplumber__password-example.pdf': 'PARSE_ENCRYPTED',
    'pypdf__crazyones-encrypted-256.pdf': 'PARSE_ENCRYPTED',
    'docling__ocr_test.pdf': 'PARSE_NO_TEXT',
    'unstructured__loremipsum-flat.pdf': 'PARSE_NO_TEXT',
    'unstructured__single_table.pdf': 'PARSE_NO_TEXT',
    'pdfplumber__empty.pdf': 'PARSE_EMPTY',
    'unstructured__empty.txt': 'PARSE_EMPTY',
    'mammoth__empty.docx': 'PARSE_EMPTY',
    'unstructured__fake-text-all-whitespace.txt': 'PARSE_EMPTY',
    'node-word-extractor__badfile-01-bad-header.doc': 'PARSE_CORRUPT',
  };
  const messages: Record<string, RegExp> = {
    PARSE_ENCRYPTED: /encrypted PDF: a password is required to open it/,
    PARSE_NO_TEXT: /no extractable text: the PDF looks scanned \(image-only\); run OCR first/,
    PARSE_EMPTY: /empty/,
    PARSE_CORRUPT: /corrupt Word document/,
  };
  for (const [name, code] of Object.entries(expected)) {
    await assert.rejects(parseFile(inputFor(join(root, name))), (error: { code?: string; message?: string; hint?: string }) => {
      assert.equal(error.code, code, name);
      assert.match(error.message ?? '', messages[code] ?? /./, name);
      assert.ok(error.hint, `${name}: no hint`);
      return true;
    });
  }
  const readable = async (name: string): Promise<string> => allText(await parseFile(inputFor(join(root, name))));
  assert.match(await readable('pypdf__r4-owner-password.pdf'), /pdf encryption test/);
  assert.match(await readable('unstructured__copy-protected.pdf'), /LayoutParser: A Unified Toolkit for Deep/);
  assert.match(await readable('pdfplumber__issue-848.pdf'), /The movie opens with a news report/);
  assert.match(await readable('pdfjs__helloworld-bad.pdf'), /Hello, world!/);
  // Its XML is well-formed and its body readable (the source project's own test extracts it too).
  assert.match(await readable('node-word-extractor__bad-xml.docx'), /A second test of reviewing, but with Unicode characters in/);
  assert.match(await readable('charset_normalizer__sample-chinese.txt'), /維基大典（Wikipedia）者/);
  assert.match(await readable('charset_normalizer__sample-french-1.txt'), /MOLIÈRE\nNÉ LE 15 JANVIER 1622/);
  assert.match(await readable('charset_normalizer__sample-english.bom.txt'), /^1\n00:00:06,500 --> 00:00:09,000/);
  assert.match(await readable('unstructured__fake-text-utf-16.txt'), /^This is a test document to use for unit tests\./);
  assert.match(await readable('unstructured__fake-html-cp1252.html'), /Der Preis betrug 15,50 €\.[\s\S]*L'été était très chaud/);
  const cups = await parseFile(inputFor(join(root, 'unstructured__stanley-cups-utf-16.csv')));
  assert.equal(cups.metadata.encoding, 'utf-16be');
  assert.ok(cups.blocks.some((block) => block.kind === 'row' && block.text === '| Maple Leafs | TOR | 13 |'));
  const covered = new Set([...Object.keys(expected), 'pypdf__r4-owner-password.pdf', 'unstructured__copy-protected.pdf', 'pdfplumber__issue-848.pdf', 'pdfjs__helloworld-bad.pdf', 'node-word-extractor__bad-xml.docx', 'charset_normalizer__sample-chinese.txt', 'charset_normalizer__sample-french-1.txt', 'charset_normalizer__sample-english.bom.txt', 'unstructured__fake-text-utf-16.txt', 'unstructured__fake-html-cp1252.html', 'unstructured__stanley-cups-utf-16.csv']);
  assert.deepEqual(readdirSync(root).filter((name) => !covered.has(name)), [], 'tricky/ files without an expectation');
});

test('PDF text matches the gold text and every block has its page', async (t) => {
  const root = sharedPath('data/files/pdf');
  if (!root) return t.skip(SHARED_MISSING);
  const crazy = await parseFile(inputFor(join(root, 'pypdf__crazyones.pdf')));
  assert.equal(crazy.title, 'The Crazy Ones');
  assert.deepEqual(words(allText(crazy)), words(readFileSync(join(root, 'pypdf__crazyones.txt'), 'utf8')));
  assert.ok(crazy.blocks.every((block) => 'page' in block && block.page === 1));

  const scotus = await parseFile(inputFor(join(root, 'pdfplumber__scotus-transcript-p1.pdf')));
  const scotusWords = new Set(words(allText(scotus)));
  const gold = words(readFileSync(join(root, 'pdfplumber__scotus-transcript-p1.txt'), 'utf8'));
  const missing = gold.filter((word) => !scotusWords.has(word));
  assert.ok(missing.length <= gold.length * 0.02, `missing words: ${missing.slice(0, 20).join(' ')}`);
  assert.match(allText(scotus), /IN THE SUPREME COURT OF THE UNITED STATES/);
  assert.match(allText(scotus), /Tuesday, January 13, 2009/);

  const multi = await parseFile(inputFor(join(root, 'docling__multi_page.pdf')));
  assert.equal(multi.pageCount, 5);
  assert.equal(multi.title, 'The Evolution of the Word Processor');
  const pages = new Set(multi.blocks.map((block) => ('page' in block ? block.page : undefined)));
  assert.deepEqual([...pages].sort(), [1, 2, 3, 4, 5]);
});

test('DOCX keeps headings, lists and table cells', async (t) => {
  const root = sharedPath('data/files/docx');
  if (!root) return t.skip(SHARED_MISSING);
  const levels = await parseFile(inputFor(join(root, 'unstructured__category-level.docx')));
  assert.ok(levels.blocks.some((block) => block.kind === 'heading' && block.level === 1 && block.text === 'A Heading 1'));
  assert.ok(levels.blocks.some((block) => block.kind === 'heading' && block.level === 2 && block.text === 'A Heading 2'));
  assert.ok(levels.blocks.some((block) => block.kind === 'text' && block.text.includes('- A top level list item\n  - Next level')));
  const tables = await parseFile(inputFor(join(root, 'mammoth__tables.docx')));
  const table = tables.blocks.find((block) => block.kind === 'table');
  assert.deepEqual(table, { kind: 'table', text: '| Top left | Top right |\n| --- | --- |\n| Bottom left | Bottom right |', header: '| Top left | Top right |\n| --- | --- |' });
  const unstructured = await parseFile(inputFor(join(root, 'unstructured__docx-tables.docx')));
  assert.ok(unstructured.blocks.some((block) => block.kind === 'table' && block.text.includes('| Lorem ipsum | A link example |')));
});

test('HTML: main content, title, scripts dropped', async (t) => {
  const root = sharedPath('data/files/html');
  if (!root) return t.skip(SHARED_MISSING);
  const scripts = await parseFile(inputFor(join(root, 'unstructured__example-with-scripts.html')));
  assert.equal(scripts.title, 'Russian Offensive Campaign Assessment, December 13 | Institute for the Study of War');
  assert.doesNotMatch(allText(scripts), /function\s*\(|<script|window\.|gtag\(/);
  const duck = await parseFile(inputFor(join(root, 'docling__wiki_duck.html')));
  assert.equal(duck.title, 'Duck - Wikipedia');
  assert.ok(duck.blocks.some((block) => block.kind === 'heading' && /Etymology/.test(block.text)));
});

test('unsupported, binary and extension-less files', async () => {
  await assert.rejects(parseFile({ bytes: Buffer.from('x'), fileName: 'a.xyz', extension: 'xyz', relativePath: 'a.xyz' }), {
    code: 'PARSE_UNSUPPORTED',
    message: /unsupported file type \.xyz/,
  });
  await assert.rejects(parseFile({ bytes: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0, 0]), fileName: 'tool', extension: '', relativePath: 'tool' }), { code: 'PARSE_UNSUPPORTED' });
  await assert.rejects(parseFile({ bytes: Buffer.from([1, 0, 2, 0, 0, 0, 3, 0, 0, 9]), fileName: 'a.txt', extension: 'txt', relativePath: 'a.txt' }), { code: 'PARSE_UNSUPPORTED', message: /binary content in a \.txt file/ });
  await assert.rejects(parseFile({ bytes: Buffer.alloc(0), fileName: 'a.json', extension: 'json', relativePath: 'a.json' }), { code: 'PARSE_EMPTY' });
  await assert.rejects(parseFile({ bytes: Buffer.from('%PDF-1.4 garbage'), fileName: 'a.pdf', extension: 'pdf', relativePath: 'a.pdf' }), { code: 'PARSE_CORRUPT' });
  await assert.rejects(parseFile({ bytes: Buffer.from('hello, not a pdf'), fileName: 'a.pdf', extension: 'pdf', relativePath: 'a.pdf' }), { code: 'PARSE_CORRUPT', message: /not a PDF/ });
  const license = await parseFile({ bytes: Buffer.from('MIT License\n\nPermission is granted.\n'), fileName: 'LICENSE', extension: '', relativePath: 'LICENSE' });
  assert.equal(license.format, 'text');
  assert.equal(license.blocks.length, 2);
  const script = await parseFile({ bytes: Buffer.from('#!/usr/bin/env bash\nset -e\n\nmain() {\n  echo hi\n}\n'), fileName: 'deploy', extension: '', relativePath: 'bin/deploy' });
  assert.equal(script.format, 'code');
  assert.equal(script.language, 'shell');
});

test('isSupportedExtension', () => {
  for (const extension of ['md', 'mdx', 'txt', 'rst', 'html', 'pdf', 'docx', 'doc', 'csv', 'tsv', 'json', 'jsonl', 'ts', 'py', 'go', 'yml']) {
    assert.ok(isSupportedExtension(extension, `f.${extension}`), extension);
  }
  assert.ok(isSupportedExtension('', 'README'));
  assert.ok(isSupportedExtension('prod', 'Dockerfile.prod'));
  assert.ok(!isSupportedExtension('png', 'a.png'));
  assert.ok(!isSupportedExtension('zip', 'a.zip'));
});
