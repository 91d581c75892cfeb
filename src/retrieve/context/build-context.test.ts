import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateTokenCounter } from '../../models/tokenize/estimate-token-counter.js';
import type { TokenCounter } from '../../models/tokenize/token-counter.js';
import { buildContext, estimateLlmTokens, TOKEN_SAFETY_FACTOR } from './build-context.js';
import type { ContextChunk } from './merge-adjacent.js';
import { joinWithoutOverlap, MAX_MERGED_CHUNKS } from './merge-adjacent.js';
import { jaccard, wordShingles } from './near-duplicates.js';

const words: TokenCounter = { id: 'test:words', exact: false, count: (text) => text.split(/\s+/).filter(Boolean).length };

let nextId = 1;
function chunk(overrides: Partial<ContextChunk> & { text: string }): ContextChunk {
  const id = nextId++;
  return {
    chunkId: id, documentId: id * 100, collection: 'kb', sourceUri: `file:///kb/doc-${id}.md`, relativePath: `doc-${id}.md`,
    title: `Doc ${id}`, format: 'markdown', headingPath: [], score: 0.5, scores: {}, snippet: '', highlights: [], ...overrides,
  };
}

/** Deterministic sentence-ish text of `count` distinct words. */
function prose(seed: string, count: number): string {
  const out: string[] = [];
  for (let index = 0; index < count; index++) out.push(`${seed}${index}${index % 9 === 8 ? '.' : ''}`);
  return `${out.join(' ')}.`;
}

const roomy = { tokenizer: words, budgetTokens: 100_000, maxSources: 20 };

test('sources are numbered 1..n in descending score order with title, heading path and source URI', () => {
  const low = chunk({ text: prose('low', 20), score: 0.1, headingPath: ['Guide', 'TLS'], lineStart: 10, lineEnd: 20 });
  const high = chunk({ text: prose('high', 20), score: 0.9, pageStart: 3, pageEnd: 4 });
  const mid = chunk({ text: prose('mid', 20), score: 0.5 });
  const built = buildContext([low, high, mid], roomy);
  assert.deepEqual(built.citations.map((c) => [c.n, c.chunkIds[0]]), [[1, high.chunkId], [2, mid.chunkId], [3, low.chunkId]]);
  assert.equal(built.dropped, 0);
  assert.match(built.promptText, new RegExp(`^\\[1\\] ${high.title} — ${high.sourceUri} \\(pp\\. 3–4\\)\\n`));
  assert.ok(built.promptText.includes(`[3] ${low.title} — ${low.sourceUri} (Guide › TLS, lines 10–20)\n${low.text}`));
  assert.ok(built.usedTokens >= estimateLlmTokens(words, built.promptText), 'usedTokens is an upper bound of the prompt text');
});

test('the rerank score orders sources when present', () => {
  const a = chunk({ text: prose('a', 10), score: 0.9, rerankScore: -2 });
  const b = chunk({ text: prose('b', 10), score: 0.1, rerankScore: 5 });
  const built = buildContext([a, b], roomy);
  assert.deepEqual(built.citations.map((c) => c.chunkIds[0]), [b.chunkId, a.chunkId]);
  assert.equal(built.citations[0]?.score, 5);
});

test('near-duplicates are dropped, keeping the better-scored copy', () => {
  const text = prose('same', 60);
  const worse = chunk({ text: `${text} tail`, score: 0.2 });
  const better = chunk({ text: text.replace(/same0 /, 'Same0  '), score: 0.8 });
  const other = chunk({ text: prose('other', 60), score: 0.5 });
  const built = buildContext([worse, better, other], roomy);
  assert.deepEqual(built.citations.map((c) => c.chunkIds[0]), [better.chunkId, other.chunkId]);
  assert.equal(built.dropped, 1);
});

test('adjacent chunks of one document merge into one source without the repeated overlap', () => {
  const first = chunk({ text: 'Alpha beta gamma. Delta epsilon zeta eta theta.', ordinal: 4, documentId: 7, score: 0.3, lineStart: 1, lineEnd: 5 });
  const second = chunk({ text: 'zeta eta theta. Iota kappa lambda.', ordinal: 5, documentId: 7, score: 0.7, lineStart: 5, lineEnd: 9 });
  const far = chunk({ text: 'Mu nu xi omicron pi rho sigma.', ordinal: 9, documentId: 7, score: 0.5 });
  const built = buildContext([first, second, far], roomy);
  assert.equal(built.citations.length, 2);
  const merged = built.citations[0];
  assert.deepEqual(merged?.chunkIds, [first.chunkId, second.chunkId]);
  assert.equal(merged?.text, 'Alpha beta gamma. Delta epsilon zeta eta theta. Iota kappa lambda.');
  assert.equal(merged?.score, 0.7);
  assert.deepEqual([merged?.lineStart, merged?.lineEnd], [1, 9]);
  assert.deepEqual(built.citations[1]?.chunkIds, [far.chunkId]);
});

test('a long run of adjacent chunks is split into sources of at most MAX_MERGED_CHUNKS chunks', () => {
  const run = Array.from({ length: MAX_MERGED_CHUNKS * 2 + 1 }, (_, ordinal) => chunk({ text: prose(`run${ordinal}x`, 8), documentId: 42, ordinal, score: ordinal === 5 ? 0.9 : 0.1 }));
  const built = buildContext(run, roomy);
  assert.deepEqual(built.citations.map((c) => c.chunkIds.length), [MAX_MERGED_CHUNKS, MAX_MERGED_CHUNKS, 1]);
  assert.ok(built.citations[0]?.chunkIds.includes(run[5]?.chunkId as number), 'the source holding the best chunk comes first');
});

test('joinWithoutOverlap keeps short coincidences and handles re-wrapped overlaps', () => {
  assert.equal(joinWithoutOverlap('one two three', 'two three four'), 'one two three\ntwo three four');
  assert.equal(joinWithoutOverlap('a b c d e', 'c d\ne f g'), 'a b c d e f g');
  assert.equal(joinWithoutOverlap('x y z w', 'y z w'), 'x y z w');
});

test('maxSources caps the sources and counts the rest as dropped', () => {
  const chunks = Array.from({ length: 6 }, (_, index) => chunk({ text: prose(`s${index}x`, 12), score: index }));
  const built = buildContext(chunks, { ...roomy, maxSources: 4 });
  assert.equal(built.citations.length, 4);
  assert.equal(built.dropped, 2);
});

test('a source that does not fit is truncated at a sentence end when enough fits, else dropped', () => {
  const big = chunk({ text: prose('big', 90), score: 0.9 });
  const bigCost = estimateLlmTokens(words, `[1] ${big.title} — ${big.sourceUri}\n${big.text}`);
  const truncated = buildContext([big], { ...roomy, budgetTokens: Math.ceil(bigCost * 0.6) });
  assert.equal(truncated.citations.length, 1);
  const text = truncated.citations[0]?.text ?? '';
  assert.match(text, /\. …$/, 'cut after a sentence');
  assert.ok(big.text.startsWith(text.slice(0, -2)));
  assert.ok(truncated.usedTokens <= Math.ceil(bigCost * 0.6));
  const tooSmall = buildContext([big], { ...roomy, budgetTokens: Math.floor(bigCost * 0.3) });
  assert.equal(tooSmall.citations.length, 0);
  assert.equal(tooSmall.dropped, 1);
  assert.equal(tooSmall.promptText, '');
});

test('greedy by score: a smaller, lower-scored source still fills room a large one left', () => {
  const huge = chunk({ text: prose('huge', 400), score: 0.9 });
  const small = chunk({ text: prose('small', 10), score: 0.1 });
  const built = buildContext([huge, small], { ...roomy, budgetTokens: 60 });
  assert.deepEqual(built.citations.map((c) => c.chunkIds[0]), [small.chunkId]);
  assert.equal(built.citations[0]?.n, 1);
});

test('property: for random inputs the context respects budget, cap, numbering and order', () => {
  let state = 12345;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  for (let round = 0; round < 200; round++) {
    const count = 1 + Math.floor(random() * 12);
    const chunks: ContextChunk[] = [];
    for (let index = 0; index < count; index++) {
      const duplicateOf = chunks.length > 0 && random() < 0.2 ? chunks[Math.floor(random() * chunks.length)] : undefined;
      chunks.push(chunk({
        text: duplicateOf ? duplicateOf.text : prose(`r${round}w${index}x`, 5 + Math.floor(random() * 80)),
        score: random(),
        documentId: 1 + Math.floor(random() * 3),
        ordinal: Math.floor(random() * 6),
      }));
    }
    const budget = 20 + Math.floor(random() * 400);
    const maxSources = 1 + Math.floor(random() * 6);
    const tokenizer = random() < 0.5 ? words : estimateTokenCounter;
    const built = buildContext(chunks, { tokenizer, budgetTokens: budget, maxSources });
    assert.ok(built.usedTokens <= budget, `round ${round}: ${built.usedTokens} > ${budget}`);
    assert.ok(estimateLlmTokens(tokenizer, built.promptText) <= built.usedTokens, `round ${round}: the prompt text counts more than charged`);
    assert.ok(built.citations.length <= maxSources);
    assert.deepEqual(built.citations.map((c) => c.n), built.citations.map((_, index) => index + 1));
    for (let index = 1; index < built.citations.length; index++) {
      assert.ok((built.citations[index - 1]?.score ?? 0) >= (built.citations[index]?.score ?? 0));
    }
    const used = built.citations.flatMap((c) => c.chunkIds);
    assert.equal(new Set(used).size, used.length, 'a chunk appears in one source at most');
    assert.equal(used.length + built.dropped, chunks.length, `round ${round}: every chunk is used or counted as dropped`);
    for (const citation of built.citations) assert.ok(built.promptText.includes(`[${citation.n}] ${citation.title}`));
  }
});

test('shingle similarity: identical texts are 1, disjoint ones 0', () => {
  const a = wordShingles('The quick brown fox jumps');
  assert.equal(jaccard(a, wordShingles('the QUICK, brown fox jumps!')), 1);
  assert.equal(jaccard(a, wordShingles('lorem ipsum dolor sit amet')), 0);
  assert.ok(TOKEN_SAFETY_FACTOR > 1);
});
