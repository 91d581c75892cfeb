import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { estimateTokenCounter } from './estimate-token-counter.js';
import { loadTokenizer } from './load-tokenizer.js';

test('estimateTokenCounter counts simple cases as documented', () => {
  assert.equal(estimateTokenCounter.exact, false);
  assert.equal(estimateTokenCounter.count(''), 0);
  assert.equal(estimateTokenCounter.count('  \n\t'), 0);
  assert.equal(estimateTokenCounter.count('the cat'), 2);
  assert.equal(estimateTokenCounter.count('Hello, world!'), 6);
  assert.equal(estimateTokenCounter.count('camelCase'), 4);
  assert.equal(estimateTokenCounter.count('abc123'), 2);
  assert.equal(estimateTokenCounter.count('日本'), 2);
  assert.equal(estimateTokenCounter.count('😀'), 1);
});

test('estimateTokenCounter over-counts BERT WordPiece on docs-corpus prose and code', async (t) => {
  const corpus = sharedPath('data', 'docs-corpus');
  const modelDir = sharedPath('models', 'Xenova', 'all-MiniLM-L6-v2');
  if (corpus === null || modelDir === null) return t.skip(SHARED_MISSING);
  const bert = await loadTokenizer(modelDir);
  const projects = readdirSync(corpus).filter((name) => statSync(join(corpus, name)).isDirectory());
  let estimated = 0;
  let actual = 0;
  let windows = 0;
  let under = 0;
  for (const project of projects) {
    const stack = [join(corpus, project)];
    let taken = 0;
    while (stack.length > 0 && taken < 15) {
      const path = stack.pop() as string;
      if (statSync(path).isDirectory()) {
        for (const name of readdirSync(path).sort()) stack.push(join(path, name));
        continue;
      }
      const content = readFileSync(path, 'utf8');
      taken++;
      for (let offset = 0; offset < content.length; offset += 1000) {
        const window = content.slice(offset, offset + 1000);
        const real = bert.count(window);
        const estimate = estimateTokenCounter.count(window);
        estimated += estimate;
        actual += real;
        if (real >= 50) {
          windows++;
          if (estimate < real) under++;
        }
      }
    }
  }
  const ratio = estimated / actual;
  assert.ok(ratio >= 1.1 && ratio <= 1.6, `total ratio ${ratio.toFixed(3)} should over-count moderately`);
  assert.ok(under / windows < 0.03, `${under} of ${windows} windows under-counted`);
});
