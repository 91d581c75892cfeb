import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { modelContext } from '../../src/app/cairn-app.js';
import { configSchema } from '../../src/config/config-schema.js';
import { createEmbedder } from '../../src/models/embed/create-embedder.js';
import { ChromaClient } from '../../src/stores/chroma/chroma-client.js';

export interface FilledChromaCollection {
  /** Records written (one per section). */
  records: number;
  /** Markdown files they came from. */
  files: number;
  /** The Chroma collection's id. */
  id: string;
}

/** The longest section text; longer sections are split at paragraph boundaries, as text splitters do. */
const MAX_SECTION_CHARS = 1500;
const UPSERT_BATCH = 200;

/**
 * Fills a Chroma collection the way other tools fill one (a LangChain-style loader): every Markdown file
 * of `folder` split into heading sections, one record per section with its text as the document,
 * `source` (the path inside the folder) and `title` (the heading) as metadata, and embeddings of
 * `embedderId` (Cairn's static model in tests, so `cairn import chroma --embedder` can keep them).
 * Also a script: `node --import tsx test/e2e/fill-chroma-from-docs.ts <chroma url> <collection> <folder> <embedder>`.
 */
export async function fillChromaFromDocs(client: ChromaClient, collection: string, folder: string, embedderId: string): Promise<FilledChromaCollection> {
  const files = markdownFiles(folder);
  const sections = files.flatMap((file) => splitSections(readFileSync(file, 'utf8')).map((section) => ({ source: relative(folder, file), ...section })));
  const embedder = await createEmbedder(embedderId, modelContext(configSchema.parse({ home: tmpdir(), models: { allowDownload: false } })));
  try {
    const created = await client.createCollection(collection, { hnsw: { space: 'cosine' } }, { loader: 'fill-chroma-from-docs' });
    for (let i = 0; i < sections.length; i += UPSERT_BATCH) {
      const batch = sections.slice(i, i + UPSERT_BATCH);
      const { vectors } = await embedder.embed({ texts: batch.map((section) => section.text) });
      await client.upsert(created.id, {
        ids: batch.map((section, j) => `${section.source}#${i + j}`),
        embeddings: vectors,
        metadatas: batch.map((section) => ({ source: section.source, title: section.title })),
        documents: batch.map((section) => section.text),
      });
    }
    return { records: sections.length, files: files.length, id: created.id };
  } finally {
    await embedder.close?.();
  }
}

function markdownFiles(folder: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) found.push(...markdownFiles(path));
    else if (/\.(md|mdx|markdown)$/i.test(name)) found.push(path);
  }
  return found;
}

function splitSections(markdown: string): { title: string; text: string }[] {
  const sections: { title: string; text: string }[] = [];
  for (const part of markdown.split(/\n(?=#{1,3} )/)) {
    const text = part.trim();
    if (text.length < 40) continue;
    const title = /^#{1,3} (.+)/.exec(text)?.[1]?.trim() ?? text.split('\n')[0]!.slice(0, 80);
    let current = '';
    for (const paragraph of text.split(/\n{2,}/)) {
      if (current !== '' && current.length + paragraph.length > MAX_SECTION_CHARS) {
        sections.push({ title, text: current });
        current = '';
      }
      current = current === '' ? paragraph : `${current}\n\n${paragraph}`;
    }
    if (current.trim() !== '') sections.push({ title, text: current });
  }
  return sections;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [url, collection, folder, embedder] = process.argv.slice(2);
  if (!url || !collection || !folder || !embedder) {
    console.error('usage: node --import tsx test/e2e/fill-chroma-from-docs.ts <chroma url> <collection> <folder> <embedder, e.g. static:/path/to/model>');
    process.exit(2);
  }
  const client = new ChromaClient({ url, tenant: 'default_tenant', database: 'default_database', tokenHeader: 'Authorization', timeoutMs: 60_000 });
  const filled = await fillChromaFromDocs(client, collection, folder, embedder);
  console.log(`Filled Chroma collection "${collection}" with ${filled.records} records from ${filled.files} files.`);
}
