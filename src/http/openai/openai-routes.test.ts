import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { analyticsReport } from '../../app/analytics/analytics-report.js';
import { startHttpTestApp, type HttpTestApp } from '../../testing/http-test-app.js';
import { SHARED_MISSING } from '../../testing/shared-data.js';
import { startStandInLlmServer, type StandInLlmServer } from '../../testing/stand-in-llm-server.js';

const QUESTION = 'Who managed Norwich City?';

interface CairnCompletionExtras {
  citations: { n: number; source_uri: string; title: string }[];
  cairn: { extractive: boolean; collection: string; notices: string[] };
}

/** A real app with the shared fixtures in collection `kb`, listening on 127.0.0.1, and an OpenAI SDK client with a read key. */
async function start(env: Record<string, string>): Promise<{ t: HttpTestApp; baseURL: string; client: OpenAI; readKey: string } | null> {
  const t = await startHttpTestApp(env);
  if (!t) return null;
  await t.server.listen({ host: '127.0.0.1', port: 0 });
  const baseURL = `http://127.0.0.1:${(t.server.server.address() as AddressInfo).port}/v1`;
  const { key: readKey } = await t.app.keys.create('openai client', ['read']);
  return { t, baseURL, readKey, client: new OpenAI({ apiKey: readKey, baseURL, maxRetries: 0 }) };
}

describe('OpenAI-compatible API through the official openai SDK, with the stand-in LLM behind Cairn', () => {
  let llm: StandInLlmServer;
  let s: Awaited<ReturnType<typeof start>> = null;
  before(async () => {
    llm = await startStandInLlmServer();
    s = await start({ CAIRN_LLM_URL: llm.url });
  });
  after(async () => {
    await s?.t.close();
    await llm.close();
  });

  it('lists one model per collection and retrieves one by id', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const models: OpenAI.Models.Model[] = [];
    for await (const model of s.client.models.list()) models.push(model);
    assert.deepEqual(models.map((m) => [m.id, m.object, m.owned_by]), [['cairn/kb', 'model', 'cairn']]);
    assert.ok(models[0]!.created > 1_600_000_000);
    const one = await s.client.models.retrieve('cairn/kb');
    assert.equal(one.id, 'cairn/kb');
    const raw = await fetch(`${s.baseURL}/models/cairn/kb`, { headers: { authorization: `Bearer ${s.readKey}` } });
    assert.equal(((await raw.json()) as { id: string }).id, 'cairn/kb');
  });

  it('answers a chat completion over the collection: cited text, sources appended, citations and usage filled', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const completion = await s.client.chat.completions.create({ model: 'cairn/kb', messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: QUESTION }] });
    assert.equal(completion.object, 'chat.completion');
    assert.match(completion.id, /^chatcmpl-/);
    assert.equal(completion.model, 'cairn/kb');
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(choice.message.role, 'assistant');
    const content = choice.message.content ?? '';
    assert.match(content, /\[1\]/, content);
    assert.match(content, /\n\n\*\*Sources\*\*\n\n- \[1\] .+/, content);
    const extras = completion as unknown as CairnCompletionExtras;
    assert.ok(extras.citations.length > 0 && extras.citations[0]!.n === 1, JSON.stringify(extras.citations));
    assert.ok(content.includes(extras.citations[0]!.title), content);
    assert.equal(extras.cairn.extractive, false);
    assert.equal(extras.cairn.collection, 'kb');
    const usage = completion.usage!;
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    const sent = llm.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    assert.ok(!sent.messages.some((m) => m.content.includes('You are helpful.')), 'Cairn’s grounding rules replace the client’s system message');
    assert.match(sent.messages.at(-1)!.content, /^Sources:/);
  });

  it('passes temperature, max_tokens and stop to the language model (a cut answer finishes with "length")', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const completion = await s.client.chat.completions.create({ model: 'cairn/kb', messages: [{ role: 'user', content: QUESTION }], temperature: 0.1, max_tokens: 3, stop: ['\n\n'] });
    assert.equal(completion.choices[0]!.finish_reason, 'length');
    const sent = llm.requests.at(-1)!.body as { temperature: number; max_tokens: number; stop: string[] };
    assert.deepEqual([sent.temperature, sent.max_tokens, sent.stop], [0.1, 3, ['\n\n']]);
    await s.client.chat.completions.create({ model: 'cairn/kb', messages: [{ role: 'user', content: QUESTION }], max_completion_tokens: 5 });
    assert.equal((llm.requests.at(-1)!.body as { max_tokens: number }).max_tokens, 5);
  });

  it('streams chat.completion.chunk events the SDK iterates to [DONE]: role, deltas, sources, finish with citations, usage', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const stream = await s.client.chat.completions.create({ model: 'cairn/kb', messages: [{ role: 'user', content: QUESTION }], stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.length >= 5, String(chunks.length));
    assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0]!.id && chunk.model === 'cairn/kb'));
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    assert.match(text, /\[1\][\s\S]*\*\*Sources\*\*\n\n- \[1\] /, text);
    const finishing = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    assert.equal(finishing.length, 1);
    assert.equal(finishing[0]!.choices[0]!.finish_reason, 'stop');
    assert.ok((finishing[0] as unknown as CairnCompletionExtras).citations.length > 0);
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage && last.usage.total_tokens === last.usage.prompt_tokens + last.usage.completion_tokens && last.usage.completion_tokens > 0, JSON.stringify(last.usage));

    const raw = await fetch(`${s.baseURL}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${s.readKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cairn/kb', messages: [{ role: 'user', content: QUESTION }], stream: true }),
    });
    assert.match(raw.headers.get('content-type') ?? '', /^text\/event-stream/);
    const body = await raw.text();
    assert.ok(body.endsWith('data: [DONE]\n\n'), body.slice(-200));
    assert.ok(!body.includes('"usage"'), 'no usage without stream_options.include_usage');
  });

  it('condenses a follow-up with the conversation before retrieving, as cairn chat does', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const before = llm.requests.length;
    const completion = await s.client.chat.completions.create({
      model: 'cairn/kb',
      messages: [
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: 'Nigel Worthington managed Norwich City [1].' },
        { role: 'user', content: [{ type: 'text', text: 'And when did he leave?' }] },
      ],
    });
    assert.ok(completion.choices[0]!.message.content);
    const sent = llm.requests.slice(before).map((request) => (request.body as { messages: { role: string; content: string }[] }).messages);
    assert.equal(sent.length, 2, 'one condense call, then the answer');
    assert.match(sent[0]!.at(-1)!.content, /Nigel Worthington[\s\S]*Last user message: And when did he leave\?/);
    assert.deepEqual(sent[1]!.slice(1, 3).map((m) => m.role), ['user', 'assistant']);
    assert.equal(sent[1]![1]!.content, QUESTION);
  });

  it('errors are in OpenAI’s shape: unknown model 404 model_not_found, bad key 401, bad input 400 with the param', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const fails = async (work: Promise<unknown>, status: number, code: string, param: string | null) => {
      await assert.rejects(work, (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.equal(error.status, status, error.message);
        assert.equal(error.code, code);
        assert.equal(error.param, param);
        assert.equal(typeof (error.error as { message?: unknown }).message, 'string');
        return true;
      });
    };
    await fails(s.client.chat.completions.create({ model: 'cairn/nope', messages: [{ role: 'user', content: QUESTION }] }), 404, 'model_not_found', 'model');
    await fails(s.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: QUESTION }], stream: true }), 404, 'model_not_found', 'model');
    await fails(s.client.models.retrieve('cairn/nope'), 404, 'model_not_found', 'model');
    const stranger = new OpenAI({ apiKey: 'cairn_not-a-key', baseURL: s.baseURL, maxRetries: 0 });
    await fails(stranger.models.list(), 401, 'invalid_api_key', null);
    await assert.rejects(stranger.chat.completions.create({ model: 'cairn/kb', messages: [{ role: 'user', content: 'x' }] }), OpenAI.AuthenticationError);
    await fails(s.client.chat.completions.create({ model: 'cairn/kb', messages: [{ role: 'user', content: QUESTION }], n: 2 }), 400, 'input_invalid', 'n');
    await fails(s.client.chat.completions.create({ model: 'cairn/kb', messages: [{ role: 'user', content: QUESTION }, { role: 'assistant', content: 'Hi' }] }), 400, 'input_invalid', 'messages');
    await fails(s.client.chat.completions.create({ model: 'cairn/kb', messages: [] }), 400, 'input_invalid', 'messages');

    const raw = await fetch(`${s.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"cairn/kb","messages":[{"role":"user","content":"x"}]}' });
    assert.equal(raw.status, 401);
    assert.match(raw.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await raw.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.type, 'authentication_error');
    const elsewhere = await fetch(`${s.baseURL}/search?q=x`);
    assert.equal(elsewhere.status, 401);
    assert.match(elsewhere.headers.get('content-type') ?? '', /^application\/problem\+json/, 'the rest of the API keeps problem+json');
  });

  it('serves the configured embedder and the collection’s in OpenAI’s shape: single, batch, float and base64, usage in model tokens', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const embedderId = s.t.app.config.embedder!;
    const tokenizer = (await s.t.app.loadEmbedder(embedderId)).tokenizer;
    const single = await s.client.embeddings.create({ model: embedderId, input: 'How is the vector index rebuilt?' });
    assert.equal(single.object, 'list');
    assert.equal(single.model, embedderId);
    assert.equal(single.data.length, 1);
    const vector = single.data[0]!.embedding;
    assert.equal(vector.length, 256);
    assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-4, 'L2-normalised');
    assert.equal(single.usage.prompt_tokens, tokenizer.count('How is the vector index rebuilt?'));
    assert.equal(single.usage.total_tokens, single.usage.prompt_tokens);

    const texts = ['alpha beta', 'gamma delta epsilon', 'How is the vector index rebuilt?'];
    const batch = await s.client.embeddings.create({ model: 'cairn/kb', input: texts, encoding_format: 'float' });
    assert.deepEqual(batch.data.map((d) => [d.object, d.index, d.embedding.length]), [['embedding', 0, 256], ['embedding', 1, 256], ['embedding', 2, 256]]);
    assert.equal(batch.usage.prompt_tokens, texts.reduce((sum, text) => sum + tokenizer.count(text), 0));
    const same = batch.data[2]!.embedding;
    assert.ok(same.every((value, i) => Math.abs(value - vector[i]!) < 1e-6), 'the SDK decoded the base64 of the first call to the same floats');

    const raw = await fetch(`${s.baseURL}/embeddings`, {
      method: 'POST', headers: { authorization: `Bearer ${s.readKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cairn/kb', input: 'alpha beta', encoding_format: 'base64', dimensions: 256 }),
    });
    const encoded = ((await raw.json()) as { data: { embedding: unknown }[] }).data[0]!.embedding;
    assert.ok(typeof encoded === 'string', `base64 text, not ${typeof encoded}`);
    const bytes = Buffer.from(encoded, 'base64');
    const decoded = new Float32Array(Uint8Array.from(bytes).buffer);
    assert.deepEqual([...decoded], batch.data[0]!.embedding);
  });

  it('refuses embeddings it cannot make as asked, in OpenAI’s shape', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const refused = async (body: Record<string, unknown>, status: number, code: string, param: string) => {
      await assert.rejects(s!.client.embeddings.create(body as never), (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.deepEqual([error.status, error.code, error.param], [status, code, param], error.message);
        return true;
      });
    };
    await refused({ model: 'cairn/kb', input: 'x', dimensions: 64 }, 400, 'input_invalid', 'dimensions');
    await refused({ model: 'text-embedding-3-small', input: 'x' }, 404, 'model_not_found', 'model');
    await refused({ model: 'onnx:Xenova/all-MiniLM-L6-v2', input: 'x' }, 404, 'model_not_found', 'model');
    await refused({ model: 'cairn/kb', input: [[1, 2, 3]], encoding_format: 'float' }, 400, 'input_invalid', 'input');
    await refused({ model: 'cairn/kb', input: '' }, 400, 'input_invalid', 'input');
  });

  it('records completions in the search analytics as surface openai', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const report = await analyticsReport(s.t.app, { days: 1 });
    const openai = report.surfaces.find((surface) => surface.surface === 'openai');
    assert.ok(openai && openai.count >= 5, JSON.stringify(report.surfaces));
    assert.ok(report.latency.some((row) => row.kind === 'chat'));
    assert.ok(report.topQueries.some((q) => q.query === QUESTION.toLowerCase()));
  });
});

describe('OpenAI-compatible chat without a language model: the extractive answer, labelled', () => {
  let s: Awaited<ReturnType<typeof start>> = null;
  before(async () => {
    s = await start({});
  });
  after(async () => {
    await s?.t.close();
  });

  it('answers with the best passages and says so, streaming or not', async (context) => {
    if (!s) return context.skip(SHARED_MISSING);
    const completion = await s.client.chat.completions.create({ model: 'cairn/kb', messages: [{ role: 'user', content: QUESTION }] });
    const content = completion.choices[0]!.message.content ?? '';
    assert.match(content, /^No language model is configured; here are the most relevant passages:/);
    assert.match(content, /\*\*Sources\*\*/);
    const extras = completion as unknown as CairnCompletionExtras;
    assert.equal(extras.cairn.extractive, true);
    assert.ok(extras.citations.length > 0);
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    assert.ok(completion.usage!.prompt_tokens > 0 && completion.usage!.completion_tokens > 0);

    const stream = await s.client.chat.completions.create({ model: 'cairn/kb', messages: [{ role: 'user', content: QUESTION }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.match(text, /^No language model is configured/);
  });
});
