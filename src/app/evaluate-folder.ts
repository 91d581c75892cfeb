import { existsSync, statSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CairnError } from '../core/cairn-error.js';
import type { SearchMode } from '../core/search-types.js';
import { readQrels, readQueries } from '../eval/beir-dataset.js';
import type { CairnApp } from './cairn-app.js';
import { deleteCollection } from './collections.js';
import { evalFusion, evalReranker, round, type EvalMeasures } from './evaluate-beir.js';
import { evaluateThroughSearch, writePerQueryIfAsked } from './evaluate-through-search.js';
import { ingest } from './ingest.js';
import type { FolderEvalInput } from './input-schemas.js';

export interface FolderEvalReport extends EvalMeasures {
  folder: string;
  mode: SearchMode;
  embedder: string;
  queries: number;
  files: number;
  filesSkipped: number;
  chunks: number;
  /** Judged documents (qrels ids) that match no ingested file. */
  unmatched_judgments: number;
}

/**
 * Use case: evaluation over a folder of files, as a user would search it. The folder goes through the
 * normal ingest (walk, parse, chunk, embed) into a throw-away collection, then every judged query runs
 * through the search use case as `cairn search -k <k>` does. Qrels name documents by their path below
 * the folder (`guide/install.md`), or by that path without its extension (`guide/install`, so a BEIR
 * corpus written as `<id>.md` files is judged by its own qrels). The collection is deleted afterwards.
 * `rerank`, `rerankDepth` and `perQuery` work as in `evaluateBeir`.
 */
export async function evaluateFolder(app: CairnApp, input: FolderEvalInput, onProgress?: (text: string) => void): Promise<FolderEvalReport> {
  const dir = resolve(input.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CairnError('SOURCE_NOT_FOUND', `Folder not found: ${dir}`, { hint: 'Pass the folder of files to evaluate over.' });
  }
  const allQueries = await readQueries(resolve(input.queries));
  const qrels = await readQrels(resolve(input.qrels));
  const judged = [...qrels.keys()].filter((id) => allQueries.has(id)).map((id) => ({ id, text: allQueries.get(id) as string }));
  if (judged.length === 0) {
    throw new CairnError('INPUT_INVALID', `No query of ${input.qrels} is in ${input.queries}.`, { hint: 'Query ids of the qrels must match the `_id`s of the queries file.' });
  }
  const queries = input.limitQueries ? judged.slice(0, input.limitQueries) : judged;
  const judgedIds: ReadonlySet<string> = new Set([...qrels.values()].flatMap((documents) => [...documents.keys()]));
  const embedderId = input.mode === 'lexical' ? 'none' : (input.embedder ?? app.config.embedder ?? 'none');
  const notices: string[] = [];
  const { reranker, rerankDepth } = await evalReranker(app, input);
  const collection = `eval-${basename(dir).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 30)}-${process.pid}-${Date.now()}`;
  try {
    const ingestStarted = performance.now();
    onProgress?.(`ingesting ${dir}`);
    const summary = await ingest(app, {
      collection, sources: [dir], embedder: embedderId,
    });
    notices.push(...summary.notices);
    if (summary.filesSkipped > 0) notices.push(`${summary.filesSkipped} files could not be ingested (see cairn ingest for their reasons).`);
    const record = await app.chunks.getCollection(collection);
    let mode = input.mode;
    if (mode !== 'lexical' && (record === undefined || record.dimensions === 0)) {
      notices.push(`Embedder ${embedderId} is unavailable; evaluating lexical instead.`);
      mode = 'lexical';
    }
    await app.lexical.warm?.(collection);
    const ingestMs = performance.now() - ingestStarted;

    const fusion = evalFusion(app, input);
    const measured = await evaluateThroughSearch(app, {
      collection, queries, qrels, mode, k: input.k, embedder: embedderId, fusion,
      documentId: (document) => qrelsIdOf(document.relativePath.replaceAll('\\', '/'), judgedIds),
      ...(reranker ? { rerankDepth } : {}),
    });
    const written = await writePerQueryIfAsked(input.perQuery, { folder: basename(dir) }, { mode, embedder: embedderId, k: input.k, fusion, reranker, rerankDepth }, measured);
    const files = summary.filesNew + summary.filesUpdated + summary.filesUnchanged;
    return {
      folder: basename(dir),
      mode,
      embedder: embedderId,
      queries: queries.length,
      files,
      filesSkipped: summary.filesSkipped,
      chunks: summary.chunksWritten,
      k: input.k,
      ndcg_at_10: round(measured.ndcg),
      recall_at_100: round(measured.recall),
      mrr_at_10: round(measured.mrr),
      short_queries: measured.shortQueries,
      unmatched_judgments: await unmatchedJudgments(app, collection, dir, judgedIds),
      ...(reranker ? { reranker: reranker.id, rerank_depth: rerankDepth, ...(reranker.device ? { rerank_device: reranker.device } : {}) } : {}),
      ingest_ms: Math.round(ingestMs),
      search_ms: Math.round(measured.searchMs),
      latency_ms: measured.latency,
      ...(written ? { per_query_file: written.perQuery, trec_run_file: written.trecRun } : {}),
      notices,
    };
  } finally {
    if (await app.chunks.getCollection(collection)) await deleteCollection(app, collection);
  }
}

/** The qrels id of a file: its relative path, or that path without its extension when the qrels use that. */
function qrelsIdOf(relativePath: string, judgedIds: ReadonlySet<string>): string {
  if (judgedIds.has(relativePath)) return relativePath;
  const bare = relativePath.replace(/\.[^./]+$/, '');
  return judgedIds.has(bare) ? bare : relativePath;
}

async function unmatchedJudgments(app: CairnApp, collection: string, dir: string, judgedIds: ReadonlySet<string>): Promise<number> {
  const ingested = new Set<string>();
  for (const uri of (await app.chunks.listDocumentStates(collection)).keys()) {
    if (!uri.startsWith('file:')) continue;
    ingested.add(qrelsIdOf(relative(dir, fileURLToPath(uri)).replaceAll('\\', '/'), judgedIds));
  }
  return [...judgedIds].filter((id) => !ingested.has(id)).length;
}
