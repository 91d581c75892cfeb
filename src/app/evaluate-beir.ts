import { basename, resolve } from 'node:path';
import { CairnError } from '../core/cairn-error.js';
import type { ScoredChunk, SearchMode } from '../core/search-types.js';
import { loadBeirDataset, type BeirDocument } from '../eval/beir-dataset.js';
import { evaluateRun } from '../eval/evaluate-run.js';
import { perQueryFile, writePerQueryFiles } from '../eval/per-query-file.js';
import { StageLatency, type LatencyPercentiles, type LatencyStage } from '../eval/stage-latency.js';
import type { RankedItem } from '../retrieve/fuse/fusion-types.js';
import { runIngestRecords } from '../ingest/run-ingest-records.js';
import { runSearch } from '../retrieve/run-search.js';
import type { CairnApp } from './cairn-app.js';
import { deleteCollection } from './collections.js';
import type { BeirEvalInput } from './input-schemas.js';
import { rerankResponse } from './rerank-response.js';
import { hybridFusionOf } from '../retrieve/fuse/fusion-types.js';

export interface BeirEvalReport {
  dataset: string;
  mode: SearchMode;
  split: string;
  embedder: string;
  queries: number;
  documents: number;
  chunks: number;
  ndcg_at_10: number;
  recall_at_100: number;
  mrr_at_10: number;
  fusion?: 'adaptive' | 'fixed';
  /** Fixed fusion's lexical weight. */
  lexical_weight?: number;
  /** Adaptive fusion's lexical weight at full agreement of the arms. */
  min_lexical_weight?: number;
  /** The reranker the top `rerank_depth` chunks of every query went through (only with `rerank`). */
  reranker?: string;
  rerank_depth?: number;
  /** Where the local reranker ran (`cpu`, `cuda`); absent for a rerank server. */
  rerank_device?: string;
  ingest_ms: number;
  search_ms: number;
  /** Per-query latency percentiles (ms) of each stage that ran; lexical and dense run concurrently. */
  latency_ms: Partial<Record<LatencyStage, LatencyPercentiles>>;
  /** Where `perQuery` and its TREC run were written. */
  per_query_file?: string;
  trec_run_file?: string;
  notices: string[];
}

/**
 * Use case: BEIR evaluation. Ingests the corpus into a throw-away collection, runs every query of the
 * split, ranks documents by their best chunk, and reports nDCG@10, Recall@100 and MRR@10
 * (the BEIR/pytrec_eval definitions, see eval/metrics.ts). The collection is deleted afterwards.
 * With `rerank` the configured reranker reorders each query's top `rerankDepth` chunks, as the search
 * use case does (rerank-response.ts); an unavailable or failing reranker fails the evaluation rather
 * than report unreranked numbers under its name.
 */
export async function evaluateBeir(app: CairnApp, input: BeirEvalInput, onProgress?: (text: string) => void): Promise<BeirEvalReport> {
  const dir = resolve(input.dir);
  const dataset = await loadBeirDataset(dir, input.split);
  const embedderId = input.mode === 'lexical' ? 'none' : (input.embedder ?? app.config.embedder ?? 'none');
  const loaded = await app.loadEmbedder(embedderId);
  const notices: string[] = [];
  let mode = input.mode;
  if (mode !== 'lexical' && !loaded.embedder) {
    notices.push(`Embedder ${embedderId} is unavailable; evaluating lexical instead.`);
    mode = 'lexical';
  }
  const rerankDepth = input.rerankDepth ?? app.config.rerank.candidates;
  const reranker = input.rerank ? await (app.requireReranker ?? app.loadReranker)() : null;
  if (input.rerank && reranker === null) {
    throw new CairnError('RERANKER_UNAVAILABLE', app.rerankerUnavailableNotice?.() ?? `No reranker is configured (rerank.reranker is ${app.config.rerank.reranker}).`, {
      hint: 'Name one with --reranker onnx:<model-id> or --reranker http:<url>[#<model>] (CAIRN_RERANKER), or evaluate without --rerank.',
    });
  }
  const collection = `eval-${basename(dir).replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}-${Date.now()}`;
  await app.chunks.createCollection(collection, {
    embedder: embedderId,
    dimensions: loaded.embedder?.dimensions ?? 0,
    chunkSize: Math.min(app.config.chunking.chunkSize, loaded.maxTokens),
    chunkOverlap: app.config.chunking.chunkOverlap,
  });
  try {
    const ingestStarted = performance.now();
    const ingested = await runIngestRecords(
      { chunks: app.chunks, vectors: app.vectors, embedder: loaded.embedder, tokenizer: loaded.tokenizer },
      {
        collection,
        records: mapCorpus(dataset.corpus()),
        chunkSize: Math.min(app.config.chunking.chunkSize, loaded.maxTokens),
        chunkOverlap: app.config.chunking.chunkOverlap,
        maxTokens: loaded.maxTokens,
        embedBatchSize: app.config.ingest.embedBatchSize,
        onProgress: (documents) => {
          if (documents % 1000 === 0) onProgress?.(`ingested ${documents} documents`);
        },
      },
    );
    notices.push(...ingested.notices);
    if (loaded.embedder) await app.vectors.open(collection, loaded.embedder.dimensions);
    // Evaluate the lexical arm a server would search with (its in-memory postings, when enabled).
    await app.lexical.warm?.(collection);
    const ingestMs = performance.now() - ingestStarted;

    const searchStarted = performance.now();
    const allQueries = [...dataset.queries.entries()].map(([id, text]) => ({ id, text }));
    const queries = input.limitQueries ? allQueries.slice(0, input.limitQueries) : allQueries;
    const run = new Map<string, string[]>();
    const ranking = new Map<string, RankedItem<string>[]>();
    const latency = new StageLatency();
    const fusion = hybridFusionOf({
      ...app.config.search,
      ...(input.fusion ? { fusion: input.fusion } : {}),
      ...(input.lexicalWeight === undefined ? {} : { fusion: input.fusion ?? 'fixed', lexicalWeight: input.lexicalWeight }),
    });
    for (const query of queries) {
      const response = await runSearch(
        { chunks: app.chunks, lexical: app.lexical, vectors: app.vectors, embedder: loaded.embedder },
        { collection, query: query.text, mode, k: Math.max(300, rerankDepth), candidates: Math.max(300, rerankDepth), fusion },
      );
      if (reranker) await rerankResponse(reranker, query.text, response, { depth: rerankDepth, batchSize: app.config.rerank.batchSize, strict: true });
      const documents = rankDocuments(response.results, 100);
      run.set(query.id, documents.map((d) => d.id));
      ranking.set(query.id, documents);
      const t = response.timings;
      latency.add('lexical', t.lexicalMs);
      latency.add('dense', t.denseMs);
      latency.add('fuse', t.lexicalMs !== undefined && t.denseMs !== undefined ? t.fusionMs : undefined);
      latency.add('hydrate', t.hydrateMs);
      latency.add('rerank', t.rerankMs);
      latency.add('total', t.totalMs);
    }
    const searchMs = performance.now() - searchStarted;
    const qrels = new Map([...dataset.qrels].filter(([id]) => run.has(id)));
    const metrics = evaluateRun(run, qrels);
    const settings = {
      dataset: basename(dir),
      split: input.split,
      mode,
      embedder: embedderId,
      ...(mode === 'hybrid' ? { fusion: fusion.kind } : {}),
      ...(reranker ? { reranker: reranker.id, rerank_depth: rerankDepth } : {}),
    };
    const label = Object.values(settings).join(' · ');
    const written = input.perQuery ? await writePerQueryFiles(resolve(input.perQuery), perQueryFile(label, settings, metrics.perQuery), ranking, reranker ? `cairn-${mode}-rerank` : `cairn-${mode}`) : undefined;
    return {
      dataset: basename(dir),
      mode,
      split: input.split,
      embedder: embedderId,
      queries: queries.length,
      documents: ingested.documents,
      chunks: ingested.chunks,
      ndcg_at_10: round(metrics.ndcg),
      recall_at_100: round(metrics.recall),
      mrr_at_10: round(metrics.mrr),
      ...(mode === 'hybrid' ? { fusion: fusion.kind, ...(fusion.kind === 'fixed' ? { lexical_weight: fusion.lexicalWeight } : { min_lexical_weight: fusion.minLexicalWeight }) } : {}),
      ...(reranker ? { reranker: reranker.id, rerank_depth: rerankDepth, ...(reranker.device ? { rerank_device: reranker.device } : {}) } : {}),
      ingest_ms: Math.round(ingestMs),
      search_ms: Math.round(searchMs),
      latency_ms: latency.summary(),
      ...(written ? { per_query_file: written.perQuery, trec_run_file: written.trecRun } : {}),
      notices,
    };
  } finally {
    await deleteCollection(app, collection);
  }
}

const URI_PREFIX = 'beir:';

async function* mapCorpus(corpus: AsyncIterable<BeirDocument>) {
  for await (const doc of corpus) {
    yield { uri: `${URI_PREFIX}${doc.id}`, relativePath: doc.id, title: doc.title, text: doc.text };
  }
}

/**
 * Chunk results → documents ranked by their best chunk (first occurrence), at most `k`. The score
 * written to the TREC run descends with the rank (trec_eval sorts by score): the reranked head and the
 * retrieval-ordered tail have scores on different scales, so the rank is what counts.
 */
function rankDocuments(results: readonly ScoredChunk[], k: number): RankedItem<string>[] {
  const seen = new Set<string>();
  const out: RankedItem<string>[] = [];
  for (const result of results) {
    const id = result.sourceUri.slice(URI_PREFIX.length);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, score: k - out.length });
    if (out.length === k) break;
  }
  return out;
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
