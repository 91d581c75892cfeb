import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { loadConfig } from '../config/load-config.js';
import { isCairnError } from '../core/cairn-error.js';
import { assertModelAllowed } from './model-allow-list.js';

function config(env: Record<string, string> = {}) {
  return loadConfig({ cwd: tmpdir(), configPath: undefined, env: { CAIRN_HOME: tmpdir(), ...env } });
}

function refused(run: () => void, pattern: RegExp): void {
  assert.throws(run, (error) => {
    assert.ok(isCairnError(error));
    assert.equal(error.code, 'MODEL_NOT_ALLOWED');
    assert.match(error.message, pattern);
    assert.match(error.hint ?? '', /models\.allowed/);
    assert.equal(error.details.setting, 'models.allowed');
    return true;
  });
}

test('the configured embedder (or the default) and none are always allowed; anything else is refused', () => {
  const defaults = config();
  assertModelAllowed(defaults, 'onnx:Xenova/all-MiniLM-L6-v2', 'embedder');
  assertModelAllowed(defaults, 'none', 'embedder');
  refused(() => assertModelAllowed(defaults, 'openai:http://127.0.0.1:44099/v1#m', 'embedder'), /not allowed.*configured embedder \(onnx:Xenova\/all-MiniLM-L6-v2\)/);
  refused(() => assertModelAllowed(defaults, 'openai:http://169.254.169.254/latest#m', 'embedder'), /not allowed/);
  refused(() => assertModelAllowed(defaults, 'static:minishlab/potion-base-8M', 'embedder'), /not allowed/);

  const configured = config({ CAIRN_EMBEDDER: 'openai:http://gpu-1:8000/v1/#bge', CAIRN_RERANKER: 'http:http://gpu-1:8000/v1#rr' });
  assertModelAllowed(configured, 'openai:http://gpu-1:8000/v1#bge', 'embedder');
  refused(() => assertModelAllowed(configured, 'openai:http://gpu-1:8000/v1#other', 'embedder'), /not allowed/);
  refused(() => assertModelAllowed(configured, 'onnx:Xenova/all-MiniLM-L6-v2', 'embedder'), /not allowed/);
  assertModelAllowed(configured, 'http:http://gpu-1:8000/v1#rr', 'reranker');
  refused(() => assertModelAllowed(configured, 'http:http://127.0.0.1:9/v1#rr', 'reranker'), /Reranker .* not allowed.*configured reranker/);
});

test('filesystem paths are refused even when listed; a configured path stays usable', () => {
  const listed = config({ CAIRN_MODELS_ALLOWED: 'static:/etc,onnx:../models/x' });
  for (const spec of ['static:/etc', 'static:../../etc', 'static:./models', 'static:~/models/x', 'static:a/b/c', 'onnx:/etc/passwd', 'onnx:../models/x']) {
    refused(() => assertModelAllowed(listed, spec, 'embedder'), /filesystem path/);
  }
  refused(() => assertModelAllowed(listed, 'onnx:/etc', 'reranker'), /filesystem path/);
  const operatorPath = config({ CAIRN_EMBEDDER: 'static:/opt/models/potion' });
  assertModelAllowed(operatorPath, 'static:/opt/models/potion', 'embedder');
});

test('models.allowed: exact specs and openai:/http: base-URL prefixes', () => {
  const allowed = config({
    CAIRN_MODELS_ALLOWED: 'static:minishlab/potion-base-8M, openai:http://10.0.0.5:8000/v1, openai:https://api.example.com/v1#text-embedding-3-small, http:http://10.0.0.6:8080',
  });
  assertModelAllowed(allowed, 'static:minishlab/potion-base-8M', 'embedder');
  assertModelAllowed(allowed, 'openai:http://10.0.0.5:8000/v1#any-model', 'embedder');
  assertModelAllowed(allowed, 'openai:http://10.0.0.5:8000/v1/#any-model', 'embedder');
  assertModelAllowed(allowed, 'openai:https://api.example.com/v1#text-embedding-3-small', 'embedder');
  assertModelAllowed(allowed, 'http:http://10.0.0.6:8080/v1#bge-reranker', 'reranker');
  for (const spec of [
    'openai:http://10.0.0.5:8000/v10#m',
    'openai:http://10.0.0.5:8001/v1#m',
    'openai:http://10.0.0.5:8000@127.0.0.1:9/v1#m',
    'openai:http://10.0.0.5:8000/v1/../../admin#m',
    'openai:http://10.0.0.5:8000/v1?x=1#m',
    'openai:https://api.example.com/v1#text-embedding-3-large',
    'static:minishlab/potion-base-32M',
  ]) {
    refused(() => assertModelAllowed(allowed, spec, 'embedder'), /not allowed/);
  }
  refused(() => assertModelAllowed(allowed, 'http:http://10.0.0.5:8000/v1#m', 'reranker'), /not allowed/);
});

test('a malformed spec is INPUT_INVALID, not a refusal', () => {
  assert.throws(() => assertModelAllowed(config(), 'openai:http://x/v1', 'embedder'), { code: 'INPUT_INVALID' });
  assert.throws(() => assertModelAllowed(config(), 'bert:x', 'embedder'), { code: 'INPUT_INVALID' });
});
