import { basename, resolve } from 'node:path';
import { CairnError } from '../core/cairn-error.js';
import type { SearchMode } from '../core/search-types.js';
import { loadBeirDataset, type BeirDocument } from '../eval/beir-dataset.js';
import type { LatencyPercentiles, LatencyStage } from '../eval/stage-latency.js';
import type { Reranker } from '../models/rerank/reranker.js';
import { runIngestRecords } from '../ingest/run-ingest-records.js';
import type { CairnApp } from './cairn-app.js';
import { deleteCollection } from './collections.js';
import type { BeirEvalInput } from './input-schemas.js';
import { hybridFusionOf, type HybridFusion } from '../retrieve/fuse/fusion-types.js';
import { evaluateThroughSearch, writePerQueryIfAsked } from './evaluate-through-search.js';

/** What every evaluation reports of its queries (BEIR or a folder): metrics, rerank, timings. */
export interface EvalMeasures {
  /** Documents asked for per query, as `cairn search -k`. */
  k: number;
  ndcg_at_10: number;
  recall_at_100: number;
  mrr_at_10: number;
  /** Queries that got fewer than k distinct documents. */
  short_queries: number;
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

export interface BeirEvalReport extends EvalMeasures {
  dataset: string;
  mode: SearchMode;
  split: string;
  embedder: string;
  queries: number;
  documents: number;
  chunks: number;
  fusion?: 'adaptive' | 'fixed';
  /** Fixed fusion's lexical weight. */
  lexical_weight?: number;
  /** Adaptive fusion's lexical weight at full agreement of the arms. */
  min_lexical_weight?: number;
}

/**
 * Use case: BEIR evaluation. Ingests the corpus into a throw-away collection, runs every query of the
 * split through the search use case exactly as `cairn search -k <k>` does (documents with their best
 * passages; evaluate-through-search.ts), and reports nDCG@10, Recall@100 and MRR@10 (the
 * BEIR/pytrec_eval definitions, see eval/metrics.ts). The collection is deleted afterwards.
 * With `rerank` the configured reranker reorders each query's top `rerankDepth` chunks, as
 * `cairn search --rerank` does; an unavailable or failing reranker fails the evaluation rather than
 * report unreranked numbers under its name.
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
  const { reranker, rerankDepth } = await evalReranker(app, input);
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

    const allQueries = [...dataset.queries.entries()].map(([id, text]) => ({ id, text }));
    const queries = input.limitQueries ? allQueries.slice(0, input.limitQueries) : allQueries;
    const fusion = evalFusion(app, input);
    const measured = await evaluateThroughSearch(app, {
      collection, queries, qrels: dataset.qrels, mode, k: input.k, embedder: embedderId, fusion,
      documentId: (document) => document.sourceUri.slice(URI_PREFIX.length),
      ...(reranker ? { rerankDepth } : {}),
    });
    const written = await writePerQueryIfAsked(input.perQuery, { dataset: basename(dir), split: input.split }, { mode, embedder: embedderId, k: input.k, fusion, reranker, rerankDepth }, measured);
    return {
      dataset: basename(dir),
      mode,
      split: input.split,
      embedder: embedderId,
      queries: queries.length,
      documents: ingested.documents,
      chunks: ingested.chunks,
      k: input.k,
      ndcg_at_10: round(measured.ndcg),
      recall_at_100: round(measured.recall),
      mrr_at_10: round(measured.mrr),
      short_queries: measured.shortQueries,
      ...(mode === 'hybrid' ? { fusion: fusion.kind, ...(fusion.kind === 'fixed' ? { lexical_weight: fusion.lexicalWeight } : { min_lexical_weight: fusion.minLexicalWeight }) } : {}),
      ...(reranker ? { reranker: reranker.id, rerank_depth: rerankDepth, ...(reranker.device ? { rerank_device: reranker.device } : {}) } : {}),
      ingest_ms: Math.round(ingestMs),
      search_ms: Math.round(measured.searchMs),
      latency_ms: measured.latency,
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
 * The reranker an evaluation with `rerank` uses, loaded before the corpus is ingested so that a bad spec
 * fails at once (RERANKER_UNAVAILABLE, or the load error as is); null without `rerank`.
 */
export async function evalReranker(app: CairnApp, input: Pick<BeirEvalInput, 'rerank' | 'rerankDepth'>): Promise<{ reranker: Reranker | null; rerankDepth: number }> {
  const rerankDepth = input.rerankDepth ?? app.config.rerank.candidates;
  if (!input.rerank) return { reranker: null, rerankDepth };
  const reranker = await (app.requireReranker ?? app.loadReranker)();
  if (reranker === null) {
    throw new CairnError('RERANKER_UNAVAILABLE', app.rerankerUnavailableNotice?.() ?? `No reranker is configured (rerank.reranker is ${app.config.rerank.reranker}).`, {
      hint: 'Name one with --reranker onnx:<model-id> or --reranker http:<url>[#<model>] (CAIRN_RERANKER), or evaluate without --rerank.',
    });
  }
  return { reranker, rerankDepth };
}

/** The hybrid fusion an evaluation asked for (`--fusion`, `--lexical-weight`), else the configured one. */
export function evalFusion(app: CairnApp, input: Pick<BeirEvalInput, 'fusion' | 'lexicalWeight'>): HybridFusion {
  return hybridFusionOf({
    ...app.config.search,
    ...(input.fusion ? { fusion: input.fusion } : {}),
    ...(input.lexicalWeight === undefined ? {} : { fusion: input.fusion ?? 'fixed', lexicalWeight: input.lexicalWeight }),
  });
}

export function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
