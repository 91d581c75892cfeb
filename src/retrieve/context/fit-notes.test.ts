import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateTokenCounter } from '../../models/tokenize/estimate-token-counter.js';
import { estimateLlmTokens } from './build-context.js';
import { fitNotes, noteCitations, type ContextNote } from './fit-notes.js';

const note = (kind: ContextNote['kind'], text: string, id: string): ContextNote => ({ kind, uri: `${kind}:${id}`, title: kind === 'memory' ? 'Memory' : 'Earlier turn', text, score: 0.5 });

test('keeps notes in order while they fit, skipping one that does not, and never cuts one', () => {
  const short = note('memory', 'Prod DB is on host db-2, port 5433.', 'a');
  const long = note('memory', 'word '.repeat(400).trim(), 'b');
  const turn = note('turn', 'User: which port?\nAssistant: 5433.', 'c');
  const all = fitNotes([short, long, turn], { tokenizer: estimateTokenCounter, budgetTokens: 10_000 });
  assert.deepEqual(all.kept, [short, long, turn]);
  const tight = fitNotes([short, long, turn], { tokenizer: estimateTokenCounter, budgetTokens: 80 });
  assert.deepEqual(tight.kept, [short, turn], 'the long memory is skipped, the turn after it still fits');
  assert.ok(tight.usedTokens <= 80 && tight.usedTokens >= estimateLlmTokens(estimateTokenCounter, short.text + turn.text));
  assert.deepEqual(fitNotes([short], { tokenizer: estimateTokenCounter, budgetTokens: 0 }).kept, []);
});

test('numbers the notes from the given number, with their kind, and renders them like sources', () => {
  const { citations, promptText } = noteCitations([note('memory', 'Fact one.', 'm1'), note('turn', 'User: q\nAssistant: a', 't1')], 4);
  assert.deepEqual(citations.map((c) => [c.n, c.kind, c.sourceUri, c.chunkIds]), [[4, 'memory', 'memory:m1', []], [5, 'turn', 'turn:t1', []]]);
  assert.equal(promptText, '[4] Memory — memory:m1\nFact one.\n\n[5] Earlier turn — turn:t1\nUser: q\nAssistant: a');
});
