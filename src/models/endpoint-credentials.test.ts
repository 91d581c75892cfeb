import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyFor, urlWithinPrefix } from './endpoint-credentials.js';

test('urlWithinPrefix: same origin, path at a / boundary', () => {
  const inside = [
    ['http://10.0.0.5:8000/v1', 'http://10.0.0.5:8000/v1'],
    ['http://10.0.0.5:8000/v1/embeddings', 'http://10.0.0.5:8000/v1/'],
    ['http://10.0.0.5:8000/v1', 'http://10.0.0.5:8000'],
    ['HTTP://Host:80/v1', 'http://host/'],
    ['https://api.example.com/openai/v1/chat/completions', 'https://api.example.com/openai'],
  ];
  for (const [url, prefix] of inside) assert.equal(urlWithinPrefix(url!, prefix!), true, `${url} in ${prefix}`);
  const outside = [
    ['http://10.0.0.5:8000/v10', 'http://10.0.0.5:8000/v1'],
    ['http://10.0.0.5:8001/v1', 'http://10.0.0.5:8000/v1'],
    ['https://10.0.0.5:8000/v1', 'http://10.0.0.5:8000/v1'],
    ['http://10.0.0.5:8000/v1/../admin', 'http://10.0.0.5:8000/v1'],
    ['http://10.0.0.5:8000@169.254.169.254/v1', 'http://10.0.0.5:8000/v1'],
    ['http://user:pw@10.0.0.5:8000/v1', 'http://10.0.0.5:8000/v1'],
    ['http://10.0.0.5:8000/v1?to=http://169.254.169.254', 'http://10.0.0.5:8000/v1'],
    ['http://10.0.0.5.evil.example/v1', 'http://10.0.0.5/v1'],
    ['not a url', 'http://10.0.0.5:8000'],
  ];
  for (const [url, prefix] of outside) assert.equal(urlWithinPrefix(url!, prefix!), false, `${url} not in ${prefix}`);
});

test('apiKeyFor: the longest covering prefix, none when nothing covers the URL', () => {
  const credentials = [
    { url: 'http://gpu-1:8000', apiKey: 'server' },
    { url: 'http://gpu-1:8000/v1/tenant', apiKey: 'tenant' },
    { url: 'https://api.example.com/v1', apiKey: 'hosted' },
  ];
  assert.equal(apiKeyFor('http://gpu-1:8000/v1/embeddings', credentials), 'server');
  assert.equal(apiKeyFor('http://gpu-1:8000/v1/tenant/embeddings', credentials), 'tenant');
  assert.equal(apiKeyFor('https://api.example.com/v1/rerank', credentials), 'hosted');
  assert.equal(apiKeyFor('http://gpu-2:8000/v1/embeddings', credentials), undefined);
  assert.equal(apiKeyFor('http://api.example.com/v1/rerank', credentials), undefined);
  assert.equal(apiKeyFor('http://gpu-1:8000/v1', undefined), undefined);
});
