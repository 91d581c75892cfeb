import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpTestApp, type HttpTestApp } from '../../testing/http-test-app.js';
import { SHARED_MISSING } from '../../testing/shared-data.js';
import { startStandInLlmServer, type StandInLlmServer } from '../../testing/stand-in-llm-server.js';
import { CLIENT_HEADER, WEB_UI_CLIENT } from '../analytics-origin.js';

interface Report {
  enabled: boolean;
  days: number;
  total: number;
  zeroResults: number;
  perDay: { day: string; count: number; zeroResults: number }[];
  topQueries: { query: string; count: number }[];
  zeroResultQueries: { query: string; count: number }[];
  lowScoreQueries: { query: string; mode: string; avgTopScore: number }[];
  latency: { kind: string; mode: string; count: number; p50Ms: number; p95Ms: number; p99Ms: number }[];
  surfaces: { surface: string; count: number }[];
  keys: { keyId: string | null; count: number }[];
}

describe('search analytics over HTTP: GET /v1/analytics', () => {
  let llm: StandInLlmServer;
  let t: HttpTestApp | null = null;
  before(async () => {
    llm = await startStandInLlmServer();
    t = await startHttpTestApp({ CAIRN_LLM_URL: llm.url });
  });
  after(async () => {
    await t?.close();
    await llm.close();
  });
  const report = async (query = ''): Promise<Report> => {
    const response = await t!.server.inject({ headers: t!.auth, method: 'GET', url: `/v1/analytics${query}` });
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  };

  it('records searches, asks and chat turns of every HTTP route, with surface and key, and reports them', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const empty = await report();
    assert.equal(empty.enabled, true);
    assert.equal(empty.total, 0);
    assert.equal(empty.perDay.length, 7);

    const { key: readKey, record: readRecord } = await t.app.keys.create('reader', ['read']);
    const reader = { authorization: `Bearer ${readKey}` };
    const get = (url: string, headers: Record<string, string>) => t!.server.inject({ headers, method: 'GET', url });
    assert.equal((await get('/v1/search?q=Norwich+City+manager&collection=kb', reader)).statusCode, 200);
    assert.equal((await get('/v1/search?q=norwich%20%20city%20MANAGER&collection=kb&mode=lexical', t.auth)).statusCode, 200);
    const ui = await t.server.inject({ headers: { ...t.auth, [CLIENT_HEADER]: WEB_UI_CLIENT }, method: 'POST', url: '/v1/search', payload: { collection: 'kb', query: 'Norwich City manager' } });
    assert.equal(ui.statusCode, 200);
    const nothing = await get('/v1/search?q=xyzzyplugh&collection=kb&mode=lexical', reader);
    assert.equal(nothing.json().results.length, 0);
    const asked = await t.server.inject({ headers: reader, method: 'POST', url: '/v1/ask?stream=false', payload: { collection: 'kb', question: 'Who managed Norwich City?' } });
    assert.equal(asked.statusCode, 200, asked.body);
    const session = (await t.server.inject({ headers: t.auth, method: 'POST', url: '/v1/chat/sessions', payload: { collection: 'kb' } })).json();
    const chatted = await t.server.inject({ headers: t.auth, method: 'POST', url: `/v1/chat/sessions/${session.id}/messages?stream=false`, payload: { question: 'What is a trace tree?' } });
    assert.equal(chatted.statusCode, 200, chatted.body);
    // Failures before retrieval are not searches.
    assert.equal((await get('/v1/search?q=x&collection=nope', t.auth)).statusCode, 404);

    const summary = await report();
    assert.equal(summary.total, 6);
    assert.equal(summary.zeroResults, 1);
    assert.deepEqual(summary.topQueries[0], { ...summary.topQueries[0], query: 'norwich city manager', count: 3 });
    assert.deepEqual(summary.zeroResultQueries.map((q) => [q.query, q.count]), [['xyzzyplugh', 1]]);
    assert.ok(summary.topQueries.some((q) => q.query === 'who managed norwich city?'));
    assert.ok(summary.topQueries.some((q) => q.query === 'what is a trace tree?'));
    assert.deepEqual(summary.surfaces.map((s) => [s.surface, s.count]).sort(), [['http', 5], ['ui', 1]]);
    const keyCounts = Object.fromEntries(summary.keys.map((k) => [k.keyId, k.count]));
    assert.equal(keyCounts[readRecord.id], 3);
    const kinds = new Set(summary.latency.map((l) => `${l.kind}/${l.mode}`));
    for (const expected of ['search/hybrid', 'search/lexical', 'ask/hybrid', 'chat/hybrid']) assert.ok(kinds.has(expected), [...kinds].join(', '));
    for (const row of summary.latency) assert.ok(row.p50Ms > 0 && row.p50Ms <= row.p95Ms && row.p95Ms <= row.p99Ms, JSON.stringify(row));
    assert.ok(summary.lowScoreQueries.some((q) => q.mode === 'hybrid' && q.avgTopScore > 0 && q.avgTopScore <= 1), JSON.stringify(summary.lowScoreQueries));
    assert.equal(summary.perDay.at(-1)?.count, 6);
    assert.equal(summary.perDay.at(-1)?.day, new Date().toISOString().slice(0, 10));

    const other = await report('?collection=other&days=30&limit=1');
    assert.equal(other.total, 0);
    assert.equal(other.perDay.length, 30);
  });

  it('is for admin keys only, validates its query, and nothing of it reaches /metrics', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const { key } = await t.app.keys.create('writer', ['write']);
    const forbidden = await t.server.inject({ headers: { authorization: `Bearer ${key}` }, method: 'GET', url: '/v1/analytics' });
    assert.equal(forbidden.statusCode, 403);
    assert.equal(forbidden.json().code, 'FORBIDDEN');
    const bad = await t.server.inject({ headers: t.auth, method: 'GET', url: '/v1/analytics?days=0' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'INPUT_INVALID');
    await t.server.inject({ headers: t.auth, method: 'GET', url: '/v1/search?q=zanzibar+quokka+telemetry&collection=kb' });
    assert.ok((await report()).topQueries.some((q) => q.query === 'zanzibar quokka telemetry'));
    const metrics = await t.server.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.ok(!/zanzibar|quokka|norwich/i.test(metrics.body), 'query text never becomes a metric label');
    assert.ok(!/key_id|keyId/.test(metrics.body));
  });
});

describe('search analytics turned off (CAIRN_ANALYTICS=0)', () => {
  let t: HttpTestApp | null = null;
  before(async () => {
    t = await startHttpTestApp({ CAIRN_ANALYTICS: '0' });
  });
  after(async () => {
    await t?.close();
  });

  it('records nothing and says so', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    await t.server.inject({ headers: t.auth, method: 'GET', url: '/v1/search?q=Norwich&collection=kb' });
    const response = await t.server.inject({ headers: t.auth, method: 'GET', url: '/v1/analytics' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().enabled, false);
    assert.equal(response.json().total, 0);
  });
});
