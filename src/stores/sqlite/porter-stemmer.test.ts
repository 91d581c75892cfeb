import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { porterStem } from './porter-stemmer.js';

/** The stem SQLite's FTS5 `porter unicode61 remove_diacritics 2` tokenizer stores for each word. */
function sqliteStems(words: readonly string[]): string[] {
  const db = new Database(':memory:');
  try {
    db.exec(`CREATE VIRTUAL TABLE s USING fts5(x, tokenize = 'porter unicode61 remove_diacritics 2');
             CREATE VIRTUAL TABLE s_instance USING fts5vocab(s, 'instance');`);
    const insert = db.prepare('INSERT INTO s (rowid, x) VALUES (?, ?)');
    db.transaction(() => words.forEach((word, i) => insert.run(i + 1, word)))();
    const stems: string[] = new Array<string>(words.length).fill('');
    for (const row of db.prepare('SELECT term, doc FROM s_instance').iterate() as Iterable<{ term: string; doc: number }>) {
      stems[row.doc - 1] = row.term;
    }
    return stems;
  } finally {
    db.close();
  }
}

function assertAgreesWithSqlite(words: readonly string[]): void {
  const expected = sqliteStems(words);
  const wrong = words.filter((word, i) => porterStem(word) !== expected[i]).map((word) => `${word}: ${porterStem(word)} vs ${expected[words.indexOf(word)]}`);
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} of ${words.length} words stem differently`);
}

test('porterStem follows the examples of Porter (1980) as FTS5 applies them', () => {
  const cases: Record<string, string> = {
    caresses: 'caress', ponies: 'poni', ties: 'ti', caress: 'caress', cats: 'cat', feed: 'feed', agreed: 'agre',
    plastered: 'plaster', bled: 'bled', motoring: 'motor', sing: 'sing', conflated: 'conflat', troubled: 'troubl',
    sized: 'size', hopping: 'hop', falling: 'fall', hissing: 'hiss', filing: 'file', happy: 'happi', sky: 'sky',
    relational: 'relat', generalization: 'gener', electrical: 'electr', hopeful: 'hope', adjustable: 'adjust',
    controlling: 'control', roll: 'roll', kubernetes: 'kubernet', go: 'go', an: 'an',
  };
  for (const [word, stem] of Object.entries(cases)) assert.equal(porterStem(word), stem, word);
});

test('porterStem agrees with SQLite on suffix-heavy and edge-case words', () => {
  const words = [
    'aed', 'eed', 'ing', 'ying', 'yyy', 'syzygy', 'trying', 'played', 'spying', 'sses', 'ies', 'ss', 'zzed', 'crying',
    'analogies', 'possibly', 'sensibility', 'callousness', 'formality', 'oscillator', 'decisiveness', 'feudalism',
    'hopefulness', 'fearlessly', 'conditionally', 'valencies', 'digitizer', 'conformably', 'radically', 'differently',
    'vileli', 'analogousli', 'rationalization', 'predication', 'operator', 'sensitiviti', 'triplicate', 'formative',
    'formalize', 'electriciti', 'goodness', 'revival', 'allowance', 'inference', 'airliner', 'gyroscopic', 'defensible',
    'irritant', 'replacement', 'adjustment', 'dependent', 'adoption', 'homologou', 'communism', 'activate', 'angulariti',
    'homologous', 'effective', 'bowdlerize', 'probate', 'rate', 'cease', 'controll', 'failing', 'filing', 'tanned',
    'fizzed', 'hoping', 'wxyed', 'boxed', 'snowed', 'e2e', 'v1beta1', 'x86', 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkling',
    'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl', 'yelled', 'yields', 'ayes', 'oyster',
  ];
  assertAgreesWithSqlite(words);
});

test('porterStem agrees with SQLite on the words of 300 docs-corpus files', async (t) => {
  const root = sharedPath('data', 'docs-corpus');
  if (root === null) return t.skip(SHARED_MISSING);
  const files = (await readdir(root, { recursive: true })).filter((name) => name.endsWith('.md')).sort().slice(0, 300);
  const words = new Set<string>();
  for (const file of files) {
    for (const word of (await readFile(join(root, file), 'utf8')).toLowerCase().match(/[a-z0-9]+/g) ?? []) words.add(word);
  }
  assert.ok(words.size > 5000, `only ${words.size} distinct words`);
  assertAgreesWithSqlite([...words]);
});
