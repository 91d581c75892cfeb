/**
 * Cairn's own work before the first token of an answer, at ~100k chunks, against the stand-in
 * OpenAI-compatible server (`firstTokenDelayMs: 0`, a three-token answer) in this process.
 * Target: p50 and p95 ≤ 30 ms for retrieval (hybrid, static-model query embedding) + context + the
 * request; the reranker is off here and measured on its own with `--rerank <spec>` (ms per candidate).
 *
 *   node --import tsx bench/answer-overhead.ts --home <CAIRN_HOME> --collection docs
 *     [--questions 200] [--warmup 20] [--mode hybrid] [--rerank onnx:Xenova/ms-marco-MiniLM-L-6-v2 --models-dir DIR]
 *   node --import tsx bench/answer-overhead.ts --limit-files 200     (builds a throw-away collection first)
 *
 * Per question, from the moment `ask()` is called:
 * - `preparationMs` (AnswerTimings): retrieval + context + prompt, until the request is handed to the client;
 * - `requestArrivalMs`: until the stand-in has read the whole request body (adds the client's request
 *   building and the localhost HTTP exchange);
 * - `ttftMs` (AnswerTimings): until the first text delta reaches the answer stream;
 * - `overheadMs` = ttftMs − the stand-in's own time (from reading the request to finishing its
 *   three-token answer, an upper bound of its time to the first token): Cairn's share of the TTFT.
 * Questions: the natural questions of search-queries.ts plus seeded chunk headings of the collection.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ask } from '../src/app/ask.js';
import type { CairnApp } from '../src/app/cairn-app.js';
import { openCairn } from '../src/app/open-cairn.js';
import type { CairnConfig } from '../src/config/config-schema.js';
import { loadConfig } from '../src/config/load-config.js';
import type { AnswerPart } from '../src/core/answer-types.js';
import { createReranker } from '../src/models/rerank/create-reranker.js';
import { rerankCandidates } from '../src/retrieve/rerank/rerank-candidates.js';
import { runSearch } from '../src/retrieve/run-search.js';
import { startStandInLlmServer } from '../src/testing/stand-in-llm-server.js';
import {
  DOCS_CORPUS, MODELS_DIR, STATIC_EMBEDDER, copySubset, latencyStats, loadAverage, machineFacts, parseIntegerOption, peakRssMiB,
  removeDirectory, report, round, temporaryDirectory, timedIngest,
} from './bench-support.js';
import { buildQueries } from './search-queries.js';
import { hybridFusionOf } from '../src/retrieve/fuse/fusion-types.js';

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    collection: { type: 'string', default: 'docs' },
    questions: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    mode: { type: 'string', default: 'hybrid' },
    rerank: { type: 'string' },
    'rerank-questions': { type: 'string', default: '20' },
    'models-dir': { type: 'string', default: MODELS_DIR },
    'limit-files': { type: 'string', default: '200' },
    source: { type: 'string', default: DOCS_CORPUS },
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    seed: { type: 'string', default: '20261121' },
  },
});

const facts = machineFacts();
const questionCount = parseIntegerOption(values.questions, 'questions') ?? 200;
const warmup = parseIntegerOption(values.warmup, 'warmup') ?? 20;
const mode = values.mode as 'lexical' | 'dense' | 'hybrid';
const work = temporaryDirectory('cairn-bench-answer-');
const home = values.home ?? join(work, 'home');
const collection = values.collection;

try {
  if (!values.home) {
    const subset = copySubset(values.source, parseIntegerOption(values['limit-files'], 'limit-files') ?? 200, work);
    await timedIngest({ home, embedder: values.embedder }, collection, subset.root, 'ingest');
  }
  const llm = await startStandInLlmServer({ firstTokenDelayMs: 0, tokenDelayMs: 0, answer: 'Answer [1].' });
  const config = loadConfig({
    cwd: home,
    env: { CAIRN_HOME: home, CAIRN_OFFLINE: '1', CAIRN_MODELS_DIR: values['models-dir'], CAIRN_LLM_URL: llm.url, CAIRN_LLM_MODEL: 'stand-in-model', CAIRN_RERANKER: 'none' },
  });
  const app = await openCairn(config, { onNotice: (text) => process.stderr.write(`notice: ${text}\n`) });
  try {
    const record = await app.chunks.getCollection(collection);
    if (!record) throw new Error(`collection "${collection}" not found in ${home}`);
    const questions = await buildQueries(app, collection, questionCount + warmup, Number(values.seed));
    const samples = { preparation: [] as number[], retrieval: [] as number[], context: [] as number[], requestArrival: [] as number[], ttft: [] as number[], overhead: [] as number[] };
    let extractive = 0;
    for (const [index, question] of questions.entries()) {
      const requestsBefore = llm.requests.length;
      const started = performance.now();
      let finish: Extract<AnswerPart, { type: 'finish' }> | undefined;
      for await (const part of ask(app, { collection, question, mode, rerank: false })) {
        if (part.type === 'finish') finish = part;
        if (part.type === 'error') throw new Error(`${part.error.code}: ${part.error.message}`);
      }
      if (index < warmup || !finish) continue;
      if (finish.extractive) {
        extractive++;
        continue;
      }
      const request = llm.requests[requestsBefore];
      const serverMs = request?.completedAt !== undefined ? request.completedAt - request.receivedAt : 0;
      const t = finish.timings;
      samples.preparation.push(t.preparationMs);
      samples.retrieval.push(t.retrievalMs);
      samples.context.push(t.contextMs);
      if (request) samples.requestArrival.push(request.receivedAt - started);
      samples.ttft.push(t.ttftMs ?? Number.NaN);
      samples.overhead.push((t.ttftMs ?? Number.NaN) - serverMs);
    }

    let rerank: Record<string, unknown> | undefined;
    if (values.rerank) rerank = await measureRerank(app, config, record.embedder, values.rerank, questions).catch((error: unknown) => ({ reranker: values.rerank, error: String((error as Error).message ?? error) }));

    const stats = {
      preparationMs: latencyStats(samples.preparation),
      retrievalMs: latencyStats(samples.retrieval),
      contextMs: latencyStats(samples.context),
      requestArrivalMs: latencyStats(samples.requestArrival),
      ttftMs: latencyStats(samples.ttft),
      overheadMs: latencyStats(samples.overhead),
    };
    const target = 30;
    const meets = stats.preparationMs.p95 <= target && stats.overheadMs.p95 <= target;
    report('answer-overhead', {
      machine: facts, loadAverageAfter: loadAverage(), peakRssMiB: peakRssMiB(), home, collection, chunks: record.chunkCount,
      embedder: record.embedder, mode, questions: samples.preparation.length, warmup, extractive, sourcesMax: config.answer.sources,
      retrieveK: config.answer.retrieveK, ...stats, rerank, targetMs: target, meetsTarget: meets,
    }, [
      `answer overhead · ${record.chunkCount} chunks · ${mode} · ${samples.preparation.length} questions (${warmup} warm-up) · load ${facts.loadAverageBefore.join('/')} → ${loadAverage().join('/')}`,
      `  preparation (retrieval + context + prompt)  p50 ${stats.preparationMs.p50} ms  p95 ${stats.preparationMs.p95} ms`,
      `    retrieval p50 ${stats.retrievalMs.p50} ms · context p50 ${stats.contextMs.p50} ms p95 ${stats.contextMs.p95} ms`,
      `  request at the server                         p50 ${stats.requestArrivalMs.p50} ms  p95 ${stats.requestArrivalMs.p95} ms`,
      `  ttft − stand-in time (Cairn's share)          p50 ${stats.overheadMs.p50} ms  p95 ${stats.overheadMs.p95} ms   (ttft p50 ${stats.ttftMs.p50} ms)`,
      !rerank
        ? '  rerank: not measured (--rerank <spec>)'
        : 'error' in rerank
          ? `  rerank ${values.rerank}: failed (${String(rerank.error)})`
          : `  rerank ${values.rerank}: ${round((rerank.perCandidateMs as { p50: number }).p50, 3)} ms per candidate (p50), call p50 ${(rerank.callMs as { p50: number }).p50} ms`,
      `  target ≤ ${target} ms (p95): ${meets ? 'met' : 'NOT met'}`,
    ]);
  } finally {
    await app.close();
    await llm.close();
  }
} finally {
  if (!values.home) removeDirectory(work);
}

/** Rerank cost on its own: the configured candidates (default 50) of real retrievals, per call and per candidate. */
async function measureRerank(app: CairnApp, config: CairnConfig, embedderId: string, spec: string, questions: string[]): Promise<Record<string, unknown> | undefined> {
  const reranker = await createReranker(spec, {
    home: config.home, modelsDir: values['models-dir'], hfEndpoint: config.models.hfEndpoint, allowDownload: false,
    onnxDtype: config.models.onnxDtype, onnxThreads: config.models.onnxThreads, batchSize: config.rerank.batchSize,
  });
  if (!reranker) return undefined;
  const loaded = await app.loadEmbedder(embedderId);
  const perCandidate: number[] = [];
  const calls: number[] = [];
  const count = parseIntegerOption(values['rerank-questions'], 'rerank-questions') ?? 20;
  for (const [index, question] of questions.slice(0, count + 2).entries()) {
    const retrieved = await runSearch(
      { chunks: app.chunks, lexical: app.lexical, vectors: app.vectors, embedder: loaded.embedder },
      { collection, query: question, mode, k: config.answer.retrieveK, candidates: config.search.candidates, fusion: hybridFusionOf(config.search) },
    );
    const result = await rerankCandidates(reranker, question, retrieved.results, { maxCandidates: config.rerank.candidates, batchSize: config.rerank.batchSize });
    if (index < 2 || result.candidates === 0) continue;
    calls.push(result.millis);
    perCandidate.push(result.millis / result.candidates);
  }
  await reranker.close?.();
  return { reranker: spec, candidates: config.rerank.candidates, batchSize: config.rerank.batchSize, callMs: latencyStats(calls), perCandidateMs: latencyStats(perCandidate) };
}
