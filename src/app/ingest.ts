import { runIngest } from '../ingest/run-ingest.js';
import type { IngestEvent, IngestSummary } from '../ingest/ingest-events.js';
import { cacheDirectories, type CairnApp } from './cairn-app.js';
import { resolveCollection, type CollectionOverrides } from './resolve-collection.js';

export interface IngestInput extends CollectionOverrides {
  collection: string;
  sources: string[];
  prune?: boolean;
  tags?: string[];
  force?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: IngestEvent) => void;
  /** See IngestRequest: a `plan` event per source, upload URIs, one document only. */
  countFiles?: boolean;
  rootUri?: string;
  onlyUris?: string[];
  confineToRoot?: boolean;
}

/** Use case: ingest files, directories and git repositories into a collection (created on first use). */
export async function ingest(app: CairnApp, input: IngestInput): Promise<IngestSummary> {
  const { record, loaded } = await resolveCollection(app, input.collection, input, true);
  const summary = await runIngest(
    { chunks: app.chunks, vectors: app.vectors, embedder: loaded.embedder, tokenizer: loaded.tokenizer, telemetry: app.telemetry },
    {
      collection: record.name,
      sources: input.sources,
      prune: input.prune ?? false,
      tags: input.tags ?? [],
      chunkSize: record.chunkSize,
      chunkOverlap: record.chunkOverlap,
      maxTokens: loaded.maxTokens,
      cacheDir: cacheDirectories(app.config).git,
      maxFileBytes: app.config.ingest.maxFileBytes,
      parseLimits: app.config.ingest.limits,
      embedBatchSize: app.config.ingest.embedBatchSize,
      prepareWorkers: app.config.ingest.prepareWorkers,
      force: input.force,
      signal: input.signal,
      onEvent: input.onEvent,
      countFiles: input.countFiles,
      rootUri: input.rootUri,
      onlyUris: input.onlyUris,
      confineToRoot: input.confineToRoot,
    },
  );
  if (loaded.unavailableReason) {
    summary.notices.push(`Stored without vectors: ${loaded.id} is unavailable. Run \`cairn reembed --collection ${record.name}\` once it is.`);
  }
  return summary;
}
