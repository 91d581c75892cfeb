import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { configSchema } from '../config/config-schema.js';
import type { AnswerPart } from '../core/answer-types.js';
import { FakeEmbedder } from '../testing/fake-embedder.js';
import { FakeLanguageModel } from '../testing/fake-language-model.js';
import { InMemoryChunkStore } from '../testing/in-memory-chunk-store.js';
import { InMemoryLexicalIndex, InMemoryVectorIndex } from '../testing/in-memory-indexes.js';
import { writeIndexed } from '../testing/write-indexed.js';
import { analyzeForIndex } from '../models/tokenize/lexical-analyzer.js';
import { openSqliteStore } from '../stores/sqlite/open-sqlite-store.js';
import { InMemoryKeyStore } from '../testing/in-memory-key-store.js';
import { ask } from './ask.js';
import type { CairnApp } from './cairn-app.js';
import { chatTurn, createChatSession } from './chat.js';
import { askInputSchema } from './input-schemas.js';

const scratch = mkdtempSync(join(tmpdir(), 'cairn-chat-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let opened = 0;

/** Chunks and indexes in memory; chats and memories in a real database (one per app). */
async function fakeApp(model: FakeLanguageModel | null): Promise<CairnApp & { notices: string[] }> {
  const database = await openSqliteStore({ path: join(scratch, `app-${opened++}.db`), lexicalAnalyzer: analyzeForIndex });
  after(() => database.close());
  const embedder = new FakeEmbedder();
  const chunks = new InMemoryChunkStore();
  await chunks.createCollection('kb', { embedder: embedder.id, dimensions: 64, chunkSize: 256, chunkOverlap: 38 });
  const texts = ['Ollama listens on port 11434 by default.', 'The llama.cpp server listens on port 8080.', 'Backups run nightly at 02:00.'];
  const vectors = new InMemoryVectorIndex();
  for (const [index, text] of texts.entries()) {
    await writeIndexed(chunks, vectors, {
      collection: 'kb', uri: `file:///kb/${index}.md`, relativePath: `${index}.md`, sourceRoot: '/kb', title: `Doc ${index}`, format: 'markdown',
      contentHash: String(index), sizeBytes: 10, modifiedMs: 0, tags: [], metadata: {},
      chunks: [{ ordinal: 0, text, headingPath: [], tokenCount: 8, contentHash: String(index), vector: embedder.vectorOf(text) }],
    });
  }
  const notices: string[] = [];
  return {
    config: configSchema.parse({ home: '/tmp/cairn-chat-test', rerank: { reranker: 'none' } }),
    chunks, lexical: new InMemoryLexicalIndex(chunks), vectors,
    keys: new InMemoryKeyStore(),
    chats: database.chats,
    memories: database.memories,
    describeStore: () => database.describe(),
    loadEmbedder: async (id) => ({ id, embedder, tokenizer: embedder.tokenizer, maxTokens: 512 }),
    loadReranker: async () => null,
    languageModel: async () => model,
    notice: (text) => notices.push(text),
    notices,
    close: async () => {},
  };
}

const input = (question: string) => askInputSchema.parse({ collection: 'kb', question });

async function collect(parts: AsyncIterable<AnswerPart>): Promise<AnswerPart[]> {
  const out: AnswerPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

test('a follow-up is condensed by the model, retrieval uses the standalone question, and the earlier turn is a numbered source', async () => {
  const model = new FakeLanguageModel({ deltas: ['Port 11434 [1].'], generateText: 'Standalone question: "Which port does llama.cpp server use?"' });
  const app = await fakeApp(model);
  const session = createChatSession();
  await collect(chatTurn(app, session, input('Which port does Ollama use?')));
  assert.equal(model.generateCalls.length, 0, 'the first question needs no rewriting');
  assert.deepEqual(session.turns, [{ question: 'Which port does Ollama use?', answer: 'Port 11434 [1].' }]);

  const parts = await collect(chatTurn(app, session, input('and llama.cpp?')));
  assert.equal(model.generateCalls.length, 1);
  assert.match(model.generateCalls[0]?.messages.at(-1)?.content ?? '', /User: Which port does Ollama use\?/);
  assert.ok(parts.some((p) => p.type === 'notice' && p.text === 'Searched for: Which port does llama.cpp server use?'));
  const sources = parts[0]?.type === 'sources' ? parts[0].citations : [];
  assert.equal(sources[0]?.text, 'The llama.cpp server listens on port 8080.');
  const turn = sources.find((citation) => citation.kind === 'turn');
  assert.equal(turn?.text, 'User: Which port does Ollama use?\nAssistant: Port 11434.', 'the old answer loses its [n] markers');
  assert.equal(turn?.n, sources.length, 'turns are numbered after the chunks');
  assert.deepEqual(sources.filter((c) => c.kind === 'chunk').map((c) => c.n), sources.slice(0, -1).map((_, i) => i + 1));
  const prompt = model.streamCalls[1]?.messages ?? [];
  assert.deepEqual(prompt.map((m) => m.role), ['system', 'user', 'assistant', 'user'], 'the earlier turn is also dialogue');
  assert.match(prompt.at(-1)?.content ?? '', new RegExp(`\\[${turn?.n}\\] Previous turn of this conversation — chat:local/turn-1\nUser: Which port does Ollama use\\?`));
  assert.match(prompt.at(-1)?.content ?? '', /Question: and llama\.cpp\?$/);
  assert.equal(session.turns.length, 2);
});

test('without a model the previous question is added to the retrieval query and answers are extractive', async () => {
  const app = await fakeApp(null);
  const session = createChatSession();
  await collect(chatTurn(app, session, input('Which port does Ollama use by default?')));
  const parts = await collect(chatTurn(app, session, input('what about it?')));
  const sources = parts[0]?.type === 'sources' ? parts[0].citations : [];
  assert.equal(sources[0]?.text, 'Ollama listens on port 11434 by default.');
  const finish = parts.at(-1);
  assert.ok(finish?.type === 'finish' && finish.extractive);
  assert.ok(sources.some((c) => c.kind === 'turn'), 'the earlier turn is a source');
  assert.ok(finish.citations.length > 0 && finish.citations.every((c) => c.kind !== 'turn'), 'an extractive answer quotes documents and memories, not itself');
});

test('ask skips the reranker when the config says none and uses config answer.retrieveK', async () => {
  const app = await fakeApp(new FakeLanguageModel());
  let asked = false;
  app.loadReranker = async () => {
    asked = true;
    return null;
  };
  const parts = await collect(ask(app, input('backups')));
  assert.equal(asked, false);
  assert.equal(parts.some((p) => p.type === 'notice'), false);
  assert.equal(parts.at(-1)?.type, 'finish');
});
