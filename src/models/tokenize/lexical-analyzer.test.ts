import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { analyzeForIndex, analyzeQuery, MAX_TERM_LENGTH, STOP_WORDS } from './lexical-analyzer.js';

test('code identifiers emit their parts and the joined identifier', () => {
  assert.equal(analyzeForIndex('getUserName'), 'get user name getusername');
  assert.equal(analyzeForIndex('HTTPServer'), 'http server httpserver');
  assert.equal(analyzeForIndex('parseHTTPResponse'), 'parse http response parsehttpresponse');
  assert.equal(analyzeForIndex('snake_case_name'), 'snake case name snakecasename');
  assert.equal(analyzeForIndex('kebab-case'), 'kebab case kebabcase');
  assert.equal(analyzeForIndex('MAX_RETRY_COUNT'), 'max retry count maxretrycount');
  assert.equal(analyzeForIndex('XMLHttpRequest'), 'xml http request xmlhttprequest');
});

test('digits stay with the letters before them; digit to capital is a boundary', () => {
  assert.equal(analyzeForIndex('base64 sha256 ipv6 utf8'), 'base64 sha256 ipv6 utf8');
  assert.equal(analyzeForIndex('http2Server'), 'http2 server http2server');
  assert.equal(analyzeForIndex('base64Encode'), 'base64 encode base64encode');
  assert.equal(analyzeForIndex('version 2.0.1'), 'version 2 0 1');
});

test('prose: lower-cased, punctuation splits, Lucene stop words dropped, repeats kept', () => {
  assert.equal(STOP_WORDS.size, 33);
  assert.equal(analyzeForIndex('The Signing key, and the key: rotated!'), 'signing key key rotated');
  assert.equal(analyzeForIndex('is_valid'), 'valid isvalid');
  assert.equal(analyzeForIndex('--verbose __init__ a-'), 'verbose init');
  assert.equal(analyzeForIndex(''), '');
  assert.equal(analyzeForIndex('... --- ___'), '');
});

test('Unicode: accented letters kept, CJK as bigrams, non-ASCII separators split', () => {
  assert.equal(analyzeForIndex('Café naïve Ünïcode'), 'café naïve ünïcode');
  assert.equal(analyzeForIndex('東京都'), '東京 京都');
  assert.equal(analyzeForIndex('日'), '日');
  assert.equal(analyzeForIndex('Größe—straße’s'), 'größe straße s');
  assert.equal(analyzeForIndex('naïveBayes'), 'naïve bayes naïvebayes');
  assert.equal(analyzeForIndex('Привет мир'), 'привет мир');
});

test('terms longer than the cap are dropped', () => {
  const long = 'a'.repeat(MAX_TERM_LENGTH + 1);
  assert.equal(analyzeForIndex(`short ${long} ${'b'.repeat(MAX_TERM_LENGTH)}`), `short ${'b'.repeat(MAX_TERM_LENGTH)}`);
});

test('analyzeQuery deduplicates and meets the index terms', () => {
  assert.deepEqual(analyzeQuery('How do I rotate the signing key? Key rotation'), ['how', 'do', 'i', 'rotate', 'signing', 'key', 'rotation']);
  const indexed = new Set(analyzeForIndex('function getUserName() {}').split(' '));
  for (const term of analyzeQuery('get_user_name')) assert.ok(indexed.has(term), term);
  assert.deepEqual(analyzeQuery('the of and'), []);
});

// Speed is measured by benchmarks, never asserted here (docs/benchmarks.md); this only reports it.
test('analyzes the docs corpus and reports its CPU rate', (t) => {
  const dir = sharedPath('data', 'docs-corpus');
  if (dir === null) return t.skip(SHARED_MISSING);
  const texts: string[] = [];
  let bytes = 0;
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      if (bytes > 8e6) return;
      const child = join(path, name);
      if (statSync(child).isDirectory()) walk(child);
      else {
        const text = readFileSync(child, 'utf8');
        texts.push(text);
        bytes += Buffer.byteLength(text);
      }
    }
  };
  walk(dir);
  for (const text of texts.slice(0, 200)) analyzeForIndex(text);
  // CPU time, not wall time: the machine is shared, and CPU time is what ingest pays per core.
  const started = process.cpuUsage();
  let terms = 0;
  for (const text of texts) terms += analyzeForIndex(text).length;
  const used = process.cpuUsage(started);
  const seconds = (used.user + used.system) / 1e6;
  const rate = bytes / 1e6 / seconds;
  t.diagnostic(`${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s of CPU: ${rate.toFixed(1)} MB/s`);
  assert.ok(terms > bytes / 20, `only ${terms} characters of terms from ${bytes} bytes of text`);
});
