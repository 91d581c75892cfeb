import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import type { CairnConfig } from '../config/config-schema.js';
import { loadConfig, type DeepPartial } from '../config/load-config.js';
import { apiKeyFor } from '../models/endpoint-credentials.js';
import { modelCredentials, unboundEmbedderKeyNotice } from './model-credentials.js';

function config(env: Record<string, string>, flags: DeepPartial<CairnConfig> = {}) {
  return loadConfig({ cwd: tmpdir(), env: { CAIRN_HOME: tmpdir(), ...env }, flags });
}

test('each API key of the environment is bound to the URL(s) of its own setting', () => {
  const bound = config({
    CAIRN_EMBEDDER: 'openai:http://embed:8000/v1#bge',
    CAIRN_EMBEDDER_API_KEY: 'embed-key',
    CAIRN_RERANKER: 'http:http://rerank:8080#rr',
    CAIRN_RERANKER_API_KEY: 'rerank-key',
    CAIRN_LLM_URL: 'http://llm-1:8000/v1,http://llm-2:8000/v1',
    CAIRN_LLM_API_KEY: 'llm-key',
  });
  const credentials = modelCredentials(bound);
  assert.equal(apiKeyFor('http://embed:8000/v1/embeddings', credentials), 'embed-key');
  assert.equal(apiKeyFor('http://rerank:8080/rerank', credentials), 'rerank-key');
  assert.equal(apiKeyFor('http://llm-1:8000/v1/chat/completions', credentials), 'llm-key');
  assert.equal(apiKeyFor('http://llm-2:8000/v1/models', credentials), 'llm-key');
  for (const elsewhere of ['http://127.0.0.1:44099/v1/embeddings', 'http://embed:8001/v1/embeddings', 'http://127.0.0.1:11434/v1/models', 'http://169.254.169.254/latest']) {
    assert.equal(apiKeyFor(elsewhere, credentials), undefined, elsewhere);
  }
  assert.equal(unboundEmbedderKeyNotice(bound, credentials, 'openai:http://embed:8000/v1#bge'), null);
  assert.match(unboundEmbedderKeyNotice(bound, credentials, 'openai:http://other:8000/v1#bge') ?? '', /without an API key.*models\.credentials/);
});

test('a key whose setting names no URL is sent nowhere; models.credentials gives keys to several endpoints', () => {
  const unbound = config({ CAIRN_EMBEDDER_API_KEY: 'k', CAIRN_LLM_API_KEY: 'l', CAIRN_RERANKER_API_KEY: 'r' });
  assert.deepEqual(modelCredentials(unbound), []);
  const listed = config({ CAIRN_EMBEDDER: 'openai:http://a:8000/v1#m', CAIRN_EMBEDDER_API_KEY: 'legacy' }, {
    models: { credentials: [{ url: 'http://b:8000/v1', apiKey: 'b-key' }, { url: 'http://a:8000/v1/tenant', apiKey: 'tenant' }] },
  });
  const credentials = modelCredentials(listed);
  assert.equal(apiKeyFor('http://a:8000/v1/embeddings', credentials), 'legacy');
  assert.equal(apiKeyFor('http://a:8000/v1/tenant/embeddings', credentials), 'tenant');
  assert.equal(apiKeyFor('http://b:8000/v1/rerank', credentials), 'b-key');
  assert.equal(apiKeyFor('http://c:8000/v1/rerank', credentials), undefined);
});
