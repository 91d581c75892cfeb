import { CairnError } from '../core/cairn-error.js';
import { DEFAULT_EMBEDDER } from '../config/config-schema.js';
import type { CollectionRecord } from '../stores/collection-record.js';
import type { CairnApp, LoadedEmbedder } from './cairn-app.js';
import { collectionNotFound } from './collection-not-found.js';
import { assertModelAllowed } from './model-allow-list.js';

export interface CollectionOverrides {
  /**
   * Embedder asked for explicitly (a request, or the CLI's flag, env or config file); undefined = the
   * collection's own (or, for a new one, the configured one). Must pass assertModelAllowed.
   */
  embedder?: string;
  chunkSize?: number;
  chunkOverlap?: number;
}

/**
 * Returns the collection and its loaded embedder, creating the collection on first use with the
 * configured (or default) embedder and chunking. An explicit embedder other than the collection's
 * own must be one a request may name (model-allow-list.ts: MODEL_NOT_ALLOWED before anything is
 * loaded or contacted); on an existing collection it is then an EMBEDDER_MISMATCH: vectors of two
 * models cannot be compared.
 */
export async function resolveCollection(
  app: CairnApp,
  name: string,
  overrides: CollectionOverrides,
  createIfMissing: boolean,
  /** The collection as the caller just read it (null: it does not exist); read here when absent. */
  known?: CollectionRecord | null,
): Promise<{ record: CollectionRecord; loaded: LoadedEmbedder; created: boolean }> {
  const existing = known === undefined ? await app.chunks.getCollection(name) : known ?? undefined;
  if (overrides.embedder && overrides.embedder !== existing?.embedder) assertModelAllowed(app.config, overrides.embedder, 'embedder');
  if (existing) {
    if (overrides.embedder && overrides.embedder !== existing.embedder) throw embedderMismatch(existing, overrides.embedder);
    const loaded = await app.loadEmbedder(existing.embedder);
    if (loaded.embedder && existing.dimensions !== 0 && loaded.embedder.dimensions !== existing.dimensions) {
      throw embedderMismatch(existing, `${existing.embedder} (now ${loaded.embedder.dimensions}-d)`);
    }
    if (loaded.embedder && existing.dimensions === 0) {
      await app.chunks.setCollectionEmbedder(name, existing.embedder, loaded.embedder.dimensions);
      existing.dimensions = loaded.embedder.dimensions;
    }
    return { record: existing, loaded, created: false };
  }
  if (!createIfMissing) {
    throw await collectionNotFound(app, name, `Create it by ingesting: \`cairn ingest <path> --collection ${name}\`.`);
  }
  const embedderId = overrides.embedder ?? app.config.embedder ?? DEFAULT_EMBEDDER;
  const loaded = await app.loadEmbedder(embedderId);
  const chunkSize = overrides.chunkSize ?? app.config.chunking.chunkSize;
  const chunkOverlap = overrides.chunkOverlap ?? app.config.chunking.chunkOverlap;
  if (chunkOverlap >= chunkSize) {
    throw new CairnError('INPUT_INVALID', `Chunk overlap (${chunkOverlap}) must be smaller than the chunk size (${chunkSize}).`, {
      hint: 'Use an overlap of about 15% of the chunk size.',
    });
  }
  const record = await app.chunks.createCollection(name, {
    embedder: embedderId,
    dimensions: loaded.embedder?.dimensions ?? 0,
    chunkSize: Math.min(chunkSize, loaded.maxTokens),
    chunkOverlap,
    // Recorded so that status shows where its vectors live (docs/decisions/0031-chroma.md).
    ...(app.config.vectorStore.kind === 'builtin' ? {} : { vectorStore: app.config.vectorStore.kind }),
  });
  return { record, loaded, created: true };
}

function embedderMismatch(record: CollectionRecord, wanted: string): CairnError {
  return new CairnError(
    'EMBEDDER_MISMATCH',
    `Collection "${record.name}" was embedded with ${record.embedder}${record.dimensions ? ` (${record.dimensions}-d)` : ''}; ${wanted} cannot be used on it: their vectors are not comparable.`,
    {
      hint: `Re-embed it with \`cairn reembed --collection ${record.name} --embedder ${wanted.split(' ')[0]}\`, or unset CAIRN_EMBEDDER / --embedder to keep ${record.embedder}.`,
      details: { collection: record.name, collectionEmbedder: record.embedder, requested: wanted },
    },
  );
}
