import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyNotice, EXTRACTIVE_EXPLANATION, notesLines, stableConditions } from './answer-notes.js';

const NO_RERANKER = 'No reranker: Reranker onnx:x is not available: no complete copy in /m. Results keep their retrieval order; set CAIRN_RERANKER=none to skip the reranker.';
const NO_VECTORS = 'Collection "kb" has no vectors (its embedder is none); searched lexically.';

describe('answer notes', () => {
  it('gives each known notice a few words and says which are stable conditions', () => {
    assert.deepEqual(classifyNotice(NO_RERANKER), { text: NO_RERANKER, short: 'no reranker', stable: true });
    assert.deepEqual(classifyNotice(NO_VECTORS), { text: NO_VECTORS, short: 'searched lexically (no vectors)', stable: true });
    assert.deepEqual(classifyNotice('Searched for: who managed the club in 1999'), { text: 'Searched for: who managed the club in 1999', short: 'searched for “who managed the club in 1999”', stable: false });
    assert.equal(classifyNotice('Something new happened. More words.').short, 'Something new happened.');
  });

  it('says a stable condition on the first answer only, and per-answer notes on every answer, in one line', () => {
    const answers = [
      { notices: [NO_RERANKER, NO_VECTORS], extractive: true },
      { notices: [NO_RERANKER, NO_VECTORS, 'Searched for: crane 3 weight'], extractive: true },
      { notices: [NO_RERANKER], extractive: false },
    ];
    const [first, second, third] = notesLines(answers, new Set());
    assert.equal(first?.summary, 'Extractive answer · no reranker · searched lexically (no vectors)');
    assert.deepEqual(first?.details, [EXTRACTIVE_EXPLANATION, NO_RERANKER, NO_VECTORS]);
    assert.equal(second?.summary, 'Extractive answer · searched for “crane 3 weight”');
    assert.equal(third, null, 'nothing new to say');
  });

  it('does not repeat what this browser session has already been told', () => {
    const seen = new Set(stableConditions([{ notices: [NO_RERANKER] }]));
    assert.deepEqual([...seen], ['no reranker']);
    const [line] = notesLines([{ notices: [NO_RERANKER, NO_VECTORS], extractive: false }], seen);
    assert.equal(line?.summary, 'Searched lexically (no vectors)');
  });
});
