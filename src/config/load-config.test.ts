import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './load-config.js';

describe('loadConfig server section', () => {
  it('defaults to 127.0.0.1:7700 and takes CAIRN_HOST / CAIRN_PORT, flags last', () => {
    const cwd = '/nonexistent-cairn-dir';
    const defaults = loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h' } });
    assert.equal(defaults.server.host, '127.0.0.1');
    assert.equal(defaults.server.port, 7700);
    assert.ok(defaults.server.bodyLimitBytes > 0 && defaults.server.requestTimeoutMs > 0);
    const fromEnv = loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_HOST: '0.0.0.0', CAIRN_PORT: '8123' } });
    assert.deepEqual([fromEnv.server.host, fromEnv.server.port], ['0.0.0.0', 8123]);
    const fromFlags = loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_PORT: '8123' }, flags: { server: { port: 0 } } });
    assert.equal(fromFlags.server.port, 0);
  });

  it('operations: CORS off, rate limits on, metrics public by default; CAIRN_CORS_ORIGINS, CAIRN_RATE_LIMIT_MAX, CAIRN_RATE_LIMIT, CAIRN_REDIS_URL', () => {
    const cwd = '/nonexistent-cairn-dir';
    const defaults = loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h' } }).server;
    assert.deepEqual(defaults.cors.origins, []);
    assert.equal(defaults.rateLimit.enabled, true);
    assert.equal(defaults.rateLimit.redisUrl, undefined);
    assert.deepEqual(defaults.metrics, { enabled: true, requireKey: false });
    assert.equal(defaults.benchmarks.allowRemote, false);
    const env = { CAIRN_HOME: '/tmp/h', CAIRN_CORS_ORIGINS: 'https://a.example, http://localhost:5173', CAIRN_RATE_LIMIT_MAX: '50', CAIRN_REDIS_URL: 'redis://127.0.0.1:6380' };
    const fromEnv = loadConfig({ cwd, env }).server;
    assert.deepEqual(fromEnv.cors.origins, ['https://a.example', 'http://localhost:5173']);
    assert.deepEqual([fromEnv.rateLimit.max, fromEnv.rateLimit.redisUrl], [50, 'redis://127.0.0.1:6380']);
    assert.equal(loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_RATE_LIMIT: '0' } }).server.rateLimit.enabled, false);
    assert.throws(() => loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_RATE_LIMIT_MAX: 'lots' } }), { code: 'CONFIG_INVALID' });
  });

  it('rejects a port that is not a number with CONFIG_INVALID', () => {
    assert.throws(() => loadConfig({ cwd: '/nonexistent-cairn-dir', env: { CAIRN_HOME: '/tmp/h', CAIRN_PORT: 'http' } }), { code: 'CONFIG_INVALID' });
  });
});

describe('loadConfig store section', () => {
  it('SQLite by default; CAIRN_DATABASE_URL alone selects PostgreSQL; an explicit kind wins', () => {
    const cwd = '/nonexistent-cairn-dir';
    assert.equal(loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h' } }).store.kind, 'sqlite');
    const url = 'postgres://cairn:secret@db:5432/cairn';
    const fromEnv = loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_DATABASE_URL: url } }).store;
    assert.deepEqual([fromEnv.kind, fromEnv.url], ['postgres', url]);
    const pinned = loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_DATABASE_URL: url }, flags: { store: { kind: 'sqlite' } } }).store;
    assert.equal(pinned.kind, 'sqlite');
  });
});

describe('loadConfig vectorStore', () => {
  const cwd = '/nonexistent-cairn-dir';
  it('is builtin by default; CAIRN_VECTOR_STORE=chroma:<url> and CAIRN_VECTOR_STORE_TOKEN select Chroma', () => {
    assert.equal(loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h' } }).vectorStore.kind, 'builtin');
    const chroma = loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_VECTOR_STORE: 'chroma:http://chroma.lan:8000/', CAIRN_VECTOR_STORE_TOKEN: 't0k' } });
    assert.deepEqual(
      [chroma.vectorStore.kind, chroma.vectorStore.url, chroma.vectorStore.token, chroma.vectorStore.tokenHeader],
      ['chroma', 'http://chroma.lan:8000', 't0k', 'Authorization'],
    );
    const header = loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_VECTOR_STORE: 'chroma:http://h:1' }, flags: { vectorStore: { tokenHeader: 'X-Chroma-Token' } } });
    assert.equal(header.vectorStore.tokenHeader, 'X-Chroma-Token');
  });

  it('refuses an unknown kind and Chroma without a URL', () => {
    assert.throws(() => loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_VECTOR_STORE: 'qdrant:http://h:6333' } }), { code: 'CONFIG_INVALID' });
    assert.throws(() => loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h' }, flags: { vectorStore: { kind: 'chroma' } } }), { code: 'CONFIG_INVALID' });
  });
});

describe('loadConfig embed section', () => {
  it('embed.device is cpu by default; CAIRN_EMBED_DEVICE, then flags; anything else is CONFIG_INVALID naming embed.device', () => {
    const cwd = '/nonexistent-cairn-dir';
    assert.equal(loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h' } }).embed.device, 'cpu');
    assert.equal(loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_EMBED_DEVICE: 'cuda' } }).embed.device, 'cuda');
    assert.equal(loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_EMBED_DEVICE: 'cuda' }, flags: { embed: { device: 'auto' } } }).embed.device, 'auto');
    assert.throws(
      () => loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', CAIRN_EMBED_DEVICE: 'gpu' } }),
      (error: Error & { code?: string }) => error.code === 'CONFIG_INVALID' && /embed\.device/.test(error.message),
    );
  });
});
