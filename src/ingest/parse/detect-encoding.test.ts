import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { sharedPath, SHARED_MISSING } from '../../testing/shared-data.js';
import { decodeText } from './detect-encoding.js';

test('UTF-8 with and without a BOM', () => {
  assert.deepEqual(decodeText(Buffer.from('\ufeffcafé', 'utf8')), { text: 'café', encoding: 'utf-8' });
  assert.deepEqual(decodeText(Buffer.from('naïve 日本', 'utf8')), { text: 'naïve 日本', encoding: 'utf-8' });
});

test('UTF-16 LE and BE by BOM, and LE without a BOM', () => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße, world', 'utf16le')]);
  assert.deepEqual(decodeText(le), { text: 'Grüße, world', encoding: 'utf-16le' });
  const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode('Grüße, world', 'utf-16be')]);
  assert.deepEqual(decodeText(be), { text: 'Grüße, world', encoding: 'utf-16be' });
  assert.deepEqual(decodeText(Buffer.from('plain words here', 'utf16le')), { text: 'plain words here', encoding: 'utf-16le' });
});

test('legacy encodings: windows-1252 and Shift_JIS', () => {
  const french = 'Le cœur a ses raisons que la raison ne connaît point. « Voilà » — déjà été là, où ça?';
  const cp1252 = decodeText(iconv.encode(french.repeat(3), 'windows-1252'));
  assert.equal(cp1252.encoding, 'windows-1252');
  assert.equal(cp1252.text, french.repeat(3));
  const japanese = '日本語のテキストです。これはシフトJISで符号化された文章の例です。東京都の天気は晴れです。';
  const sjis = decodeText(iconv.encode(japanese.repeat(4), 'shift_jis'));
  assert.equal(sjis.encoding, 'shift_jis');
  assert.equal(sjis.text, japanese.repeat(4));
});

test('a declared charset is used only when the bytes are not UTF-8', () => {
  assert.equal(decodeText(Buffer.from('é', 'utf8'), 'windows-1252').text, 'é');
  assert.deepEqual(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'iso-8859-1'), { text: 'café', encoding: 'windows-1252' });
});

test('shared fixtures: Big5 Chinese and cp1252 French decode to the right characters', (t) => {
  const chinese = sharedPath('data/files/tricky/charset_normalizer__sample-chinese.txt');
  const french = sharedPath('data/files/tricky/charset_normalizer__sample-french-1.txt');
  if (!chinese || !french) return t.skip(SHARED_MISSING);
  const big5 = decodeText(readFileSync(chinese));
  assert.equal(big5.encoding, 'big5');
  assert.match(big5.text, /^維基大典（Wikipedia）者，網路為礎/);
  assert.ok(!big5.text.includes('\ufffd'));
  const cp1252 = decodeText(readFileSync(french));
  assert.equal(cp1252.encoding, 'windows-1252');
  assert.match(cp1252.text, /JEAN-BAPTISTE POQUELIN MOLIÈRE\nNÉ LE 15 JANVIER 1622, MORT LE 17 FÉVRIER 1673/);
  assert.match(cp1252.text, /«Quel est le plus grand des écrivains/);
});
