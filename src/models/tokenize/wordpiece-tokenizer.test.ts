import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { loadTokenizer, type ModelTokenizer } from './load-tokenizer.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';
import { seededRandom as random } from '../../core/seeded-random.js';


function listFiles(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, out);
    else out.push(path);
  }
  return out;
}

/** Hand-picked cases for every branch of the BERT pipeline the fast path reimplements. */
const EDGE_CASES = [
  '',
  '   \n\t ',
  'Hello, World! How are you?',
  'naïve café résumé Ångström Ωmega ﬁne',
  'ΟΔΟΣ ΟΔΟΣ. ΑΣ\'Α ΣΑΣ σίσυφος',
  'İstanbul ǅemal ß ẞ',
  '日本語のテキスト、中文文本，한국어 텍스트 㐀 豈',
  '𠀀𠀁 CJK extension B is not padded',
  'emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇩🇪 and ✨sparkles✨',
  'control\u0000chars\u0001in\u0007the\u001fmiddle\u007fend',
  'zero\u200bwidth\u200cjoiner\u200d soft\u00adhyphen bom\ufeffhere',
  'nbsp\u00a0thin\u2009ideo\u3000line\u2028para\u2029nel\u0085vt\u000bff\u000c',
  'greek\u037equestion ano\u0387teleia kelvin\u212a angstrom\u212b ohm\u2126',
  'replacement\ufffdchar private\ue000use astral\u{f0000}private',
  'lone \ud800 surrogate \udc00 here',
  'special [CLS] tokens [SEP] inline[UNK]x [MASK][PAD] [cls] [ UNK ] [[SEP]]',
  'a'.repeat(100),
  'a'.repeat(101),
  'é'.repeat(101),
  'supercalifragilisticexpialidocious antidisestablishmentarianism',
  `${'x'.repeat(30)}qqzzjj${'😀'.repeat(3)}`,
  'snake_case camelCaseIdentifier SCREAMING_SNAKE kebab-case path/to/file.ts v1.2.3-beta+exp',
  'https://example.com/a/b?c=d&e=f#frag user@example.org 127.0.0.1:8080',
  '```ts\nconst x: Map<string, number[]> = new Map(); // comment\n```',
  '$ npm install --save-dev typescript@5.9.3 && echo "done" | tee log.txt',
  'tab\tseparated\tvalues\r\nwindows line',
  'Ünïcödé ÀÉÎÕÜ àéîõü ñ Ñ ç Ç ø Ø å æ œ',
  'मराठी हिन्दी العربية עברית ไทย',
  'combining e\u0301 a\u0300 o\u0308 n\u0303 and enclosing 1\u20e3',
  'fullwidth ＡＢＣ１２３ halfwidth ｶﾀｶﾅ',
];

const CHAR_POOL = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...' \n\t.,;:!?-_()[]{}<>/\\|@#$%^&*+=~`\'"',
  'é', 'Ä', 'ß', 'Σ', 'ς', 'İ', 'ﬁ', '日', '本', '한', '😀', '🏽', '\u200d', '\u0301', '\u00a0', '\u3000',
  '\u0000', '\u0007', '\u00ad', '\ufeff', '\ufffd', '\u2028', '\ue000', '[CLS]', '[UNK]', '\ud800', '𠀀',
];

function randomText(next: () => number): string {
  const length = 1 + Math.floor(next() * 80);
  let text = '';
  for (let i = 0; i < length; i++) text += CHAR_POOL[Math.floor(next() * CHAR_POOL.length)];
  return text;
}

function assertSameIds(fast: ModelTokenizer, reference: ModelTokenizer, text: string, label: string): void {
  const expected = reference.encode(text);
  const actual = fast.encode(text);
  assert.deepEqual(actual, expected, `${label}: ${JSON.stringify(text.slice(0, 200))}`);
  assert.equal(fast.count(text), expected.length, `${label}: count`);
}

test('WordPieceTokenizer gives the same ids as transformers.js on edge cases, random text and docs-corpus files', async (t) => {
  const modelDir = sharedPath('models', 'Xenova', 'all-MiniLM-L6-v2');
  const corpus = sharedPath('data', 'docs-corpus');
  if (modelDir === null || corpus === null) return t.skip(SHARED_MISSING);
  const fast = await loadTokenizer(modelDir);
  const reference = await loadTokenizer(modelDir, { forceReference: true });
  assert.ok(fast instanceof WordPieceTokenizer, 'a BERT tokenizer.json takes the fast path');
  assert.ok(!(reference instanceof WordPieceTokenizer));

  for (const [index, text] of EDGE_CASES.entries()) assertSameIds(fast, reference, text, `edge case ${index}`);
  assert.deepEqual(fast.encode('a'.repeat(101)), [100], 'a word over max_input_chars_per_word is [UNK]');
  assert.deepEqual(fast.encode('[CLS] x'), [101, 1060], 'added tokens are matched in raw text');

  const next = random(20261121);
  for (let i = 0; i < 1500; i++) assertSameIds(fast, reference, randomText(next), `random ${i}`);

  const files = listFiles(corpus, []).sort();
  const step = Math.max(1, Math.floor(files.length / 600));
  let compared = 0;
  for (let i = 0; i < files.length; i += step) {
    const file = files[i] as string;
    const content = readFileSync(file, 'utf8');
    const offset = Math.floor(next() * Math.max(1, content.length - 4000));
    assertSameIds(fast, reference, content.slice(offset, offset + 4000), file);
    compared++;
  }
  assert.ok(compared >= 500, `compared ${compared} corpus excerpts`);
});

test('the static model folder (tokenizer.json only) loads the fast tokenizer with the same vocabulary', async (t) => {
  const staticDir = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
  if (staticDir === null) return t.skip(SHARED_MISSING);
  const tokenizer = await loadTokenizer(staticDir);
  assert.ok(tokenizer instanceof WordPieceTokenizer);
  assert.deepEqual(tokenizer.encode('How do I reset my password?'), [2129, 2079, 1045, 25141, 2026, 20786, 1029]);
});

test('a tokenizer.json that is not BERT WordPiece falls back to transformers.js', async (t) => {
  const modelDir = sharedPath('models', 'Xenova', 'all-MiniLM-L6-v2');
  if (modelDir === null) return t.skip(SHARED_MISSING);
  const { wordPieceSpecFromJson } = await import('./wordpiece-spec.js');
  const json = JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8'));
  assert.notEqual(wordPieceSpecFromJson(json), null);
  assert.equal(wordPieceSpecFromJson({ ...json, pre_tokenizer: { type: 'Whitespace' } }), null);
  assert.equal(wordPieceSpecFromJson({ ...json, model: { ...json.model, type: 'BPE' } }), null);
  const lstrip = json.added_tokens.map((token: Record<string, unknown>) => ({ ...token, lstrip: true }));
  assert.equal(wordPieceSpecFromJson({ ...json, added_tokens: lstrip }), null);
});
