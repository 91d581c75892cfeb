import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHttpTestApp, type HttpTestApp } from '../../testing/http-test-app.js';
import { parseSseText } from '../../testing/parse-sse-text.js';
import { SHARED_MISSING } from '../../testing/shared-data.js';
import { startStandInLlmServer, type StandInLlmServer } from '../../testing/stand-in-llm-server.js';

interface CitationJson {
  n: number;
  kind: string;
  source_uri: string;
  text: string;
}

/** Cites every number a context can hold, so the finish citations are exactly the sources given. */
const CITE_ALL = `Answer ${Array.from({ length: 30 }, (_, i) => `[${i + 1}]`).join('')}.`;

/** The text of the last streamed chat completion the stand-in received (its final user message). */
function lastPrompt(llm: StandInLlmServer): string {
  const streamed = llm.requests.filter((r) => r.path.endsWith('/chat/completions') && (r.body as { stream?: boolean }).stream === true);
  const messages = (streamed.at(-1)?.body as { messages: { content: string }[] } | undefined)?.messages ?? [];
  return messages.map((m) => m.content).join('\n');
}

describe('/v1/chat/sessions', () => {
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

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    (t as HttpTestApp).server.inject({ method, url, headers: (t as HttpTestApp).auth, ...(payload !== undefined ? { payload: payload as object } : {}) });

  it('creates a session, streams a reply like /v1/ask, and stores the turn with citations and timings', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    llm.setBehaviour({ answer: undefined });
    const created = await call('POST', '/v1/chat/sessions', { collection: 'kb' });
    assert.equal(created.statusCode, 201, created.body);
    const session = created.json();
    const adminId = (await t.app.keys.list()).find((key) => key.name === 'test admin')?.id;
    assert.deepEqual({ ...session, id: '', createdAt: '', updatedAt: '' }, { id: '', collection: 'kb', title: '', createdAt: '', updatedAt: '', messageCount: 0, owner: `key:${adminId}` });

    const reply = await call('POST', `/v1/chat/sessions/${session.id}/messages`, { question: 'Who managed Norwich City?' });
    assert.equal(reply.statusCode, 200, reply.body);
    assert.match(String(reply.headers['content-type']), /^text\/event-stream/);
    const events = parseSseText(reply.body);
    assert.equal(events[0]?.event, 'sources');
    assert.equal(events.at(-1)?.event, 'finish');
    const finish = events.at(-1)?.data ?? {};

    const stored = (await call('GET', `/v1/chat/sessions/${session.id}`)).json();
    assert.equal(stored.session.title, 'Who managed Norwich City?', 'the first question names the session');
    assert.equal(stored.session.messageCount, 2);
    assert.deepEqual(stored.messages.map((m: { role: string }) => m.role), ['user', 'assistant']);
    const [question, answer] = stored.messages;
    assert.equal(question.content, 'Who managed Norwich City?');
    assert.equal(answer.content, finish.answer);
    assert.deepEqual(answer.citations, finish.citations);
    assert.ok(answer.citations.length > 0 && answer.citations.every((c: CitationJson) => c.kind === 'chunk'));
    assert.equal(typeof answer.timings.total_ms, 'number');
    assert.equal(answer.extractive, false);
  });

  it('gives the earlier turns to the next answer as `turn` sources (stream=false answers JSON)', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    llm.setBehaviour({ answer: undefined });
    const session = (await call('POST', '/v1/chat/sessions', { collection: 'kb', title: 'Football' })).json();
    await call('POST', `/v1/chat/sessions/${session.id}/messages`, { question: 'Who managed Norwich City?' });
    const first = (await call('GET', `/v1/chat/sessions/${session.id}`)).json().messages[1];
    const reply = await call('POST', `/v1/chat/sessions/${session.id}/messages?stream=false`, { question: 'Which club did he play for before?' });
    assert.equal(reply.statusCode, 200, reply.body);
    const body = reply.json();
    assert.equal(body.sessionId, session.id);
    assert.equal(body.collection, 'kb');
    const turn = (body.sources as CitationJson[]).find((c) => c.kind === 'turn');
    assert.ok(turn, JSON.stringify(body.sources));
    assert.equal(turn.source_uri, `chat:${session.id}/${first.id}`);
    assert.match(turn.text, /^User: Who managed Norwich City\?\nAssistant: /);
    assert.match(lastPrompt(llm), new RegExp(`\\[${turn.n}\\] Previous turn of this conversation`));
    const stored = (await call('GET', `/v1/chat/sessions/${session.id}`)).json();
    assert.equal(stored.session.title, 'Football', 'a given title is kept');
    assert.equal(stored.session.messageCount, 4);
  });

  it('puts a relevant memory into the prompt and the citations, and leaves unrelated and other-session ones out', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    llm.setBehaviour({ answer: CITE_ALL });
    const session = (await call('POST', '/v1/chat/sessions', { collection: 'kb' })).json();
    const relevant = (await call('POST', '/v1/memories', { content: 'The staging database listens on port 6543', tags: ['infra'] })).json();
    const unrelated = (await call('POST', '/v1/memories', { content: 'Our office cat is named Whiskers' })).json();
    const otherSession = (await call('POST', '/v1/memories', { content: 'The staging database port changed to 7777', sessionId: 'chat_someone_else' })).json();
    const own = (await call('POST', '/v1/memories', { content: 'In this session the staging database port is 9999', sessionId: session.id })).json();

    const reply = await call('POST', `/v1/chat/sessions/${session.id}/messages?stream=false`, { question: 'Which port does the staging database listen on?' });
    assert.equal(reply.statusCode, 200, reply.body);
    const body = reply.json();
    const memories = (body.citations as CitationJson[]).filter((c) => c.kind === 'memory');
    assert.deepEqual(memories.map((c) => c.source_uri).sort(), [`memory:${relevant.id}`, `memory:${own.id}`].sort());
    const prompt = lastPrompt(llm);
    assert.match(prompt, /The staging database listens on port 6543/);
    assert.match(prompt, /In this session the staging database port is 9999/);
    assert.doesNotMatch(prompt, /Whiskers/);
    assert.doesNotMatch(prompt, /7777/);
    const chunkNumbers = (body.sources as CitationJson[]).filter((c) => c.kind === 'chunk').map((c) => c.n);
    for (const memory of memories) assert.ok(memory.n > Math.max(0, ...chunkNumbers), 'memories are numbered after the chunks');

    const ask = await call('POST', '/v1/ask?stream=false', { collection: 'kb', question: 'Which port does the staging database listen on?' });
    const askMemories = (ask.json().citations as CitationJson[]).filter((c) => c.kind === 'memory').map((c) => c.source_uri);
    assert.deepEqual(askMemories, [`memory:${relevant.id}`], '/v1/ask sees the unscoped memories only');
    const mine = (await call('POST', '/v1/memories', { content: 'For me the staging database port is 5544', userId: 'ada' })).json();
    const asUser = await call('POST', '/v1/ask?stream=false', { collection: 'kb', question: 'Which port does the staging database listen on?', userId: 'ada' });
    const userMemories = (asUser.json().citations as CitationJson[]).filter((c) => c.kind === 'memory').map((c) => c.source_uri);
    assert.deepEqual(userMemories.sort(), [`memory:${relevant.id}`, `memory:${mine.id}`].sort(), '/v1/ask with userId also sees that user\'s memories');
    for (const id of [relevant.id, unrelated.id, otherSession.id, own.id, mine.id]) await call('DELETE', `/v1/memories/${id}`);
  });

  it('lists most recently updated first, renames, deletes, and answers 404 for an unknown session and 400 for bad input', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const a = (await call('POST', '/v1/chat/sessions', { collection: 'kb', title: 'A' })).json();
    const b = (await call('POST', '/v1/chat/sessions', { collection: 'kb', title: 'B' })).json();
    const renamed = await call('PATCH', `/v1/chat/sessions/${a.id}`, { title: 'A renamed' });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().title, 'A renamed');
    const page = (await call('GET', '/v1/chat/sessions?limit=1')).json();
    assert.deepEqual(page.items.map((s: { id: string }) => s.id), [a.id]);
    assert.ok(page.nextCursor);
    const next = (await call('GET', `/v1/chat/sessions?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`)).json();
    assert.deepEqual(next.items.map((s: { id: string }) => s.id), [b.id]);

    assert.equal((await call('DELETE', `/v1/chat/sessions/${a.id}`)).statusCode, 204);
    const cases: [string, string, unknown, number, string][] = [
      ['GET', `/v1/chat/sessions/${a.id}`, undefined, 404, 'CHAT_SESSION_NOT_FOUND'],
      ['DELETE', `/v1/chat/sessions/${a.id}`, undefined, 404, 'CHAT_SESSION_NOT_FOUND'],
      ['PATCH', `/v1/chat/sessions/${a.id}`, { title: 'x' }, 404, 'CHAT_SESSION_NOT_FOUND'],
      ['POST', `/v1/chat/sessions/${a.id}/messages`, { question: 'hello?' }, 404, 'CHAT_SESSION_NOT_FOUND'],
      ['POST', '/v1/chat/sessions', { collection: 'nope' }, 404, 'COLLECTION_NOT_FOUND'],
      ['POST', '/v1/chat/sessions', { collection: '../etc' }, 400, 'INPUT_INVALID'],
      ['POST', '/v1/chat/sessions', {}, 400, 'INPUT_INVALID'],
      ['PATCH', `/v1/chat/sessions/${b.id}`, { title: '' }, 400, 'INPUT_INVALID'],
      ['POST', `/v1/chat/sessions/${b.id}/messages`, { question: '' }, 400, 'INPUT_INVALID'],
      ['POST', `/v1/chat/sessions/${b.id}/messages`, { question: 'x', collection: 'kb' }, 400, 'INPUT_INVALID'],
      ['GET', '/v1/chat/sessions?limit=0', undefined, 400, 'INPUT_INVALID'],
      ['GET', '/v1/chat/sessions?cursor=garbage', undefined, 400, 'INPUT_INVALID'],
    ];
    for (const [method, url, payload, status, code] of cases) {
      const response = await call(method as 'GET', url, payload);
      assert.equal(response.statusCode, status, `${method} ${url}: ${response.body}`);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().code, code, `${method} ${url}`);
    }
    assert.equal((await call('GET', `/v1/chat/sessions/${b.id}`)).json().session.messageCount, 0, 'a rejected question is not stored');
  });

  it('lets a read key chat, keeps each key to its own sessions, and shows an admin every session', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    llm.setBehaviour({ answer: undefined });
    const keyA = (await t.app.keys.create('reader A', ['read'])).key;
    const keyB = (await t.app.keys.create('writer B', ['write'])).key;
    const as = (key: string) => (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
      (t as HttpTestApp).server.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    const a = as(keyA);
    const b = as(keyB);

    const created = await a('POST', '/v1/chat/sessions', { collection: 'kb' });
    assert.equal(created.statusCode, 201, `a read key creates a session: ${created.body}`);
    const sessionA = created.json();
    const asked = await a('POST', `/v1/chat/sessions/${sessionA.id}/messages?stream=false`, { question: 'Who managed Norwich City?' });
    assert.equal(asked.statusCode, 200, `a read key chats: ${asked.body}`);
    assert.equal((await a('PATCH', `/v1/chat/sessions/${sessionA.id}`, { title: 'Mine' })).statusCode, 200, 'a read key renames its own session');
    const sessionB = (await b('POST', '/v1/chat/sessions', { collection: 'kb', title: 'B only' })).json();

    const listA = (await a('GET', '/v1/chat/sessions')).json().items.map((s: { id: string }) => s.id);
    assert.deepEqual(listA, [sessionA.id], 'A lists its own session alone');
    assert.deepEqual((await b('GET', '/v1/chat/sessions')).json().items.map((s: { id: string }) => s.id), [sessionB.id]);
    for (const [method, url, payload] of [
      ['GET', `/v1/chat/sessions/${sessionA.id}`, undefined],
      ['PATCH', `/v1/chat/sessions/${sessionA.id}`, { title: 'taken' }],
      ['POST', `/v1/chat/sessions/${sessionA.id}/messages?stream=false`, { question: 'And then?' }],
      ['DELETE', `/v1/chat/sessions/${sessionA.id}`, undefined],
    ] as const) {
      const refused = await b(method, url, payload);
      assert.equal(refused.statusCode, 404, `B ${method} ${url}: ${refused.body}`);
      assert.equal(refused.json().code, 'CHAT_SESSION_NOT_FOUND');
    }
    const forbidden = await a('GET', '/v1/chat/sessions?owner=all');
    assert.equal(forbidden.statusCode, 403, forbidden.body);
    assert.equal(forbidden.json().code, 'FORBIDDEN');

    const adminAll = (await call('GET', '/v1/chat/sessions?owner=all&limit=200')).json().items.map((s: { id: string }) => s.id);
    assert.ok(adminAll.includes(sessionA.id) && adminAll.includes(sessionB.id), 'owner=all shows an admin every key\'s sessions');
    const adminMine = (await call('GET', '/v1/chat/sessions?limit=200')).json().items.map((s: { id: string }) => s.id);
    assert.ok(!adminMine.includes(sessionA.id), 'without owner=all an admin lists its own');
    const read = await call('GET', `/v1/chat/sessions/${sessionA.id}`);
    assert.equal(read.statusCode, 200, 'an admin opens another key\'s session');
    assert.equal(read.json().session.title, 'Mine');
    assert.equal(read.json().messages.length, 2);
    assert.equal((await a('GET', `/v1/chat/sessions/${sessionA.id}`)).json().session.title, 'Mine', 'B\'s refused rename changed nothing');
    assert.equal((await a('DELETE', `/v1/chat/sessions/${sessionA.id}`)).statusCode, 204, 'a read key deletes its own session');
    assert.equal((await call('DELETE', `/v1/chat/sessions/${sessionB.id}`)).statusCode, 204, 'an admin deletes another key\'s session');
  });

  it('stores the partial answer when the client goes away mid-stream', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    llm.setBehaviour({ answer: 'one two three four five six seven eight nine ten eleven twelve', tokenDelayMs: 300 });
    const session = (await call('POST', '/v1/chat/sessions', { collection: 'kb' })).json();
    await t.server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.server.server.address() as AddressInfo;
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/sessions/${session.id}/messages`, {
      method: 'POST', headers: { ...t.auth, 'content-type': 'application/json' }, body: JSON.stringify({ question: 'Who managed Norwich City?' }), signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    while (!received.includes('event: text-delta')) {
      const chunk = await reader.read();
      assert.equal(chunk.done, false, 'the stream ended before any text');
      received += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);
    let messages: { role: string; content: string }[] = [];
    for (let attempt = 0; attempt < 200 && messages.length < 2; attempt++) {
      messages = (await call('GET', `/v1/chat/sessions/${session.id}`)).json().messages;
      if (messages.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    llm.setBehaviour({ tokenDelayMs: 0, answer: undefined });
    assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant']);
    assert.match(messages[1]?.content ?? '', /^one/);
    assert.ok((messages[1]?.content ?? '').length < 'one two three four five six seven eight nine ten eleven twelve'.length, messages[1]?.content);
  });
});
