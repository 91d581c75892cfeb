import type { CairnConfig } from '../config/config-schema.js';
import { runIngest } from '../ingest/run-ingest.js';
import type { NearDuplicateSettings } from '../ingest/write/write-document.js';
import type { IngestEvent, IngestSummary } from '../ingest/ingest-events.js';
import type { CollectionRecord } from '../stores/collection-record.js';
import { cacheDirectories, type CairnApp, type LoadedEmbedder } from './cairn-app.js';
import { crawlSettings, type CrawlRequest } from './crawl-settings.js';
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
  /** http(s) sources are web sites to crawl with these options (over `crawl.*` of the configuration). */
  crawl?: CrawlRequest & { urls?: string[] };
  /** Whether a crawl may fetch hosts on private networks; default `sources.allowPrivateNetworks`. The CLI passes true: its user is the operator. */
  allowPrivateNetworks?: boolean;
  /**
   * Ingest files of a walked folder or repository whose symbolic links lead out of it (`cairn ingest
   * --follow-symlinks`). Default false: such files are skipped as SOURCE_UNREADABLE, for every caller.
   */
  followSymlinks?: boolean;
}

/**
 * Use case: ingest files, directories, git repositories and crawled web sites into a collection
 * (created on first use). A collection this run created is removed again when the run wrote no
 * document (every file failed, none was found, or it failed or was aborted first), so a failed
 * first ingest leaves nothing behind.
 * Files of a walked folder or repository that a symbolic link takes out of it are skipped unless
 * `followSymlinks` (the CLI's flag; never set for HTTP or MCP callers).
 */
export async function ingest(app: CairnApp, input: IngestInput): Promise<IngestSummary> {
  const { record, loaded, created } = await resolveCollection(app, input.collection, input, true);
  let summary: IngestSummary;
  try {
    summary = await runIngestInto(app, input, record, loaded);
  } catch (error) {
    if (created) await removeIfEmpty(app, record.name);
    throw error;
  }
  const removed = created && summary.filesNew + summary.filesUpdated === 0 && (await removeIfEmpty(app, record.name));
  if (removed) summary.notices.push(`Nothing was ingested, so collection "${record.name}" was not kept.`);
  if (loaded.unavailableReason && !removed) {
    summary.notices.push(`Stored without vectors: ${loaded.id} is unavailable. Run \`cairn reembed --collection ${record.name}\` once it is.`);
  }
  return summary;
}

function runIngestInto(app: CairnApp, input: IngestInput, record: CollectionRecord, loaded: LoadedEmbedder): Promise<IngestSummary> {
  const crawl = input.crawl === undefined
    ? undefined
    : {
        ...crawlSettings(app.config, input.crawl, input.allowPrivateNetworks ?? app.config.sources.allowPrivateNetworks),
        ...(input.crawl.urls === undefined ? {} : { urls: input.crawl.urls }),
      };
  return runIngest(
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
      nearDuplicates: nearDuplicateSettings(app.config),
      prepareWorkers: app.config.ingest.prepareWorkers,
      force: input.force,
      signal: input.signal,
      onEvent: input.onEvent,
      countFiles: input.countFiles,
      rootUri: input.rootUri,
      onlyUris: input.onlyUris,
      confineToRoot: input.followSymlinks !== true,
      crawl,
      crawlDir: cacheDirectories(app.config).crawl,
    },
  );
}

/**
 * Deletes the collection when it holds no document; true when it did. Checked just before deleting:
 * a concurrent job that has written into it meanwhile keeps it.
 */
async function removeIfEmpty(app: CairnApp, name: string): Promise<boolean> {
  const current = await app.chunks.getCollection(name);
  if (current === undefined || current.documentCount > 0) return false;
  await app.chunks.deleteCollection(name);
  await app.vectors.drop(name);
  return true;
}

/** The near-duplicate settings of an ingest (`ingest.nearDuplicates`); undefined when detection is off. */
export function nearDuplicateSettings(config: CairnConfig): NearDuplicateSettings | undefined {
  const { enabled, threshold, boilerplateDf } = config.ingest.nearDuplicates;
  return enabled ? { threshold, boilerplateDf } : undefined;
}
