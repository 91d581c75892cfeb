import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rerankerState } from './reranker-state.js';

describe('rerankerState', () => {
  const id = 'onnx:Xenova/ms-marco-MiniLM-L-6-v2';
  it('reads the state /readyz sends', () => {
    assert.deepEqual(rerankerState({ id, enabled: true, loaded: false, state: 'unavailable' }), { ok: false, text: 'unavailable' });
    assert.deepEqual(rerankerState({ id, enabled: true, loaded: false, state: 'loading' }), { ok: null, text: 'loading' });
    assert.deepEqual(rerankerState({ id, enabled: true, loaded: true, state: 'loaded' }), { ok: true, text: 'loaded' });
    assert.deepEqual(rerankerState({ id, enabled: false, loaded: false, state: 'off' }), { ok: null, text: 'off' });
  });

  it('falls back to enabled and loaded when the server sends no state', () => {
    assert.deepEqual(rerankerState({ id, enabled: true, loaded: false }), { ok: null, text: 'loads on first use' });
    assert.deepEqual(rerankerState({ id, enabled: false, loaded: false }), { ok: null, text: 'off' });
  });
});
