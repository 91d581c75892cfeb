/**
 * Dumps each arm's chunk candidates for every judged query of a BEIR dataset (all splits), so fusion and
 * lexical-ranking choices can be studied offline without re-ingesting (docs/decisions/0033-adaptive-fusion.md).
 *
 *   node --import tsx bench/fusion-arms.ts <beir-dir> --home <dir> --out <arms.json>
 *        [--embedder static:<dir>] [--weights title,heading,body] [--k 300] [--folder <dir>]
 *
 * With `--folder`, the corpus is that folder ingested as files (as `cairn ingest` does) and document ids
 * are relative paths; `<beir-dir>` then needs only queries.jsonl and qrels/ (bench/docs-corpus-questions).
 *
 * The collection is ingested once into `<home>` (kept, so a second run with other lexical weights only
 * searches). The lexical arm is FTS5's bm25() with no scoring budget (what the in-memory accelerator
 * returns) under the given column weights; the dense arm is the collection's vector index.
 * Output: { chunkDocs: { chunkId: docId }, queries: { queryId: { lexical: [[chunkId, score]], dense: [...] } } }.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { readFile } from 'node:fs/promises';
import { ingest } from '../src/app/ingest.js';
import { loadBeirDataset, readQrels } from '../src/eval/beir-dataset.js';
import { runIngestRecords } from '../src/ingest/run-ingest-records.js';
import { prepareQuery } from '../src/retrieve/query/prepare-query.js';
import { SqliteLexicalIndex } from '../src/stores/sqlite/sqlite-lexical-index.js';
import { openBenchApp } from './bench-support.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = args.indexOf(`--${name}`);
  return index < 0 ? undefined : args[index + 1];
};
const dir = resolve(args[0] ?? '');
const home = resolve(option('home') ?? '/tmp/cairn-fusion-arms');
const out = option('out') ?? join(home, 'arms.json');
const embedder = option('embedder');
const k = Number(option('k') ?? 300);
const [title, heading, body] = (option('weights') ?? '1.5,1.2,1').split(',').map(Number);
const folder = option('folder');
const collection = 'study';

interface Split {
  split: string;
  queries: Map<string, string>;
  corpus?: () => AsyncIterable<{ id: string; title: string; text: string }>;
}
const splits = readdirSync(join(dir, 'qrels')).map((file) => file.replace(/\.tsv$/, ''));
const datasets: Split[] = await Promise.all(
  splits.map(async (split): Promise<Split> => {
    if (folder === undefined) return loadBeirDataset(dir, split);
    const texts = new Map<string, string>();
    for (const line of (await readFile(join(dir, 'queries.jsonl'), 'utf8')).split('\n')) {
      if (line.trim() !== '') texts.set(JSON.parse(line)._id, JSON.parse(line).text);
    }
    const judged = await readQrels(join(dir, 'qrels', `${split}.tsv`));
    return { split, queries: new Map([...judged.keys()].map((id) => [id, texts.get(id) ?? ''])) };
  }),
);
const app = await openBenchApp({ home, ...(embedder ? { embedder } : {}) });
try {
  const embedderId = embedder ?? 'none';
  const loaded = await app.loadEmbedder(embedderId);
  if ((await app.chunks.getCollection(collection)) === undefined) {
    const chunkSize = Math.min(app.config.chunking.chunkSize, loaded.maxTokens);
    const corpus = datasets[0]?.corpus;
    if (folder !== undefined) {
      const summary = await ingest(app, { collection, sources: [resolve(folder)] });
      process.stderr.write(`ingested ${JSON.stringify(summary).slice(0, 200)}\n`);
    } else if (corpus) {
      await app.chunks.createCollection(collection, {
        embedder: embedderId,
        dimensions: loaded.embedder?.dimensions ?? 0,
        chunkSize,
        chunkOverlap: app.config.chunking.chunkOverlap,
      });
      async function* records() {
        for await (const doc of corpus!()) yield { uri: `beir:${doc.id}`, relativePath: doc.id, title: doc.title, text: doc.text };
      }
      const ingested = await runIngestRecords(
        { chunks: app.chunks, vectors: app.vectors, embedder: loaded.embedder, tokenizer: loaded.tokenizer },
        { collection, records: records(), chunkSize, chunkOverlap: app.config.chunking.chunkOverlap, maxTokens: loaded.maxTokens, embedBatchSize: app.config.ingest.embedBatchSize },
      );
      process.stderr.write(`ingested ${ingested.documents} documents, ${ingested.chunks} chunks\n`);
    }
  }
  if (loaded.embedder) await app.vectors.open(collection, loaded.embedder.dimensions);

  const dbPath = join(home, 'cairn.db');
  if (!existsSync(dbPath)) throw new Error(`no ${dbPath}`);
  const db = new Database(dbPath, { readonly: true });
  const collectionId = (db.prepare('SELECT id FROM collections WHERE name = ?').get(collection) as { id: number }).id;
  const lexical = new SqliteLexicalIndex(db, (name) => (name === collection ? collectionId : undefined), () => 0, {
    weights: { title: title as number, heading: heading as number, body: body as number },
    maxScoredRows: 0,
  });
  const chunkDocs: Record<number, string> = {};
  for (const row of db
    .prepare('SELECT c.id AS id, d.relative_path AS doc FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.collection = ?')
    .iterate(collection) as Iterable<{ id: number; doc: string }>) {
    chunkDocs[row.id] = row.doc;
  }
  const queries: Record<string, { split: string; lexical: [number, number][]; dense: [number, number][] }> = {};
  for (const dataset of datasets) {
    for (const [queryId, text] of dataset.queries) {
      const query = prepareQuery(text);
      const lexicalHits = query.terms.length === 0 ? [] : await lexical.search({ collection, terms: query.terms, k });
      let denseHits: [number, number][] = [];
      if (loaded.embedder) {
        const vector = await loaded.embedder.embedQuery(query.text);
        denseHits = (await app.vectors.search({ collection, vector, k })).map((hit) => [hit.chunkId, hit.score]);
      }
      queries[queryId] = { split: dataset.split, lexical: lexicalHits.map((hit) => [hit.chunkId, hit.score]), dense: denseHits };
    }
  }
  db.close();
  writeFileSync(out, JSON.stringify({ weights: { title, heading, body }, chunkDocs, queries }));
  process.stderr.write(`wrote ${out}: ${Object.keys(queries).length} queries\n`);
} finally {
  await app.close();
}
