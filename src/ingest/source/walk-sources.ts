import { join } from 'node:path';
import type { SourceItem } from '../../core/source-item.js';
import type { DocumentState } from '../../stores/chunk-store.js';
import type { IngestReport } from '../ingest-report.js';
import { isSupportedExtension } from '../parse/parse-file.js';
import type { CrawlSettings } from './crawl/site-crawler.js';
import { resolveSource, type PruneScope } from './resolve-sources.js';

export interface SourceWalkRequest {
  sources: string[];
  cacheDir: string;
  maxFileBytes: number;
  /** Walks each source once more first, to emit a `plan` event with its file count. */
  countFiles?: boolean;
  rootUri?: string;
  confineToRoot?: boolean;
  /** Only these URIs are handed on; the rest of each source is passed over silently. */
  onlyUris?: string[];
  signal?: AbortSignal;
  collection: string;
  /** http(s) sources are web sites to crawl with these settings, not git remotes. */
  crawl?: CrawlSettings;
  /** Where crawls keep their state between runs (`<home>/cache/crawl`); per collection below it. */
  crawlDir?: string;
  /** What the collection stores now (a crawl sends conditional requests for pages it already has). */
  knownDocuments: Map<string, DocumentState>;
  force: boolean;
}

/**
 * A step of the walk: a file to ingest, or the end of a source's files. The walk resumes past
 * `end-of-source` only once the caller has finished with that source's files: then it reports the
 * source's unreadable paths and removes the source's temporary checkout (a git clone).
 */
export type SourceStep = { type: 'file'; item: SourceItem } | { type: 'end-of-source' };

/**
 * The source stage of an ingest: every input (file, directory, git URL) resolved in turn, each file
 * handed on once (the first time its URI is seen), with `source`, `plan` and `skipped` reported.
 */
export class SourceWalk {
  /** URIs handed on so far. */
  readonly seen = new Set<string>();
  /** Root of every source resolved so far (pruning is limited to them). */
  readonly roots: string[] = [];
  /** Roots whose sources may not have seen everything they hold (crawls): what --prune may remove of them. */
  readonly pruneScopes = new Map<string, PruneScope>();
  readonly #request: SourceWalkRequest;
  readonly #report: IngestReport;
  readonly #only: Set<string> | null;

  constructor(request: SourceWalkRequest, report: IngestReport) {
    this.#request = request;
    this.#report = report;
    this.#only = request.onlyUris === undefined ? null : new Set(request.onlyUris);
  }

  async *steps(): AsyncGenerator<SourceStep> {
    const { signal } = this.#request;
    const only = this.#only;
    for (const input of this.#request.sources) {
      signal?.throwIfAborted();
      const source = await resolveSource({ input }, {
        cacheDir: this.#request.cacheDir,
        isSupported: isSupportedExtension,
        maxFileBytes: this.#request.maxFileBytes,
        signal,
        ...(this.#request.rootUri === undefined ? {} : { rootUri: this.#request.rootUri }),
        ...(this.#request.confineToRoot ? { confineToRoot: true } : {}),
        ...(this.#request.crawl === undefined ? {} : { crawl: this.#request.crawl, knownDocuments: this.#request.knownDocuments, force: this.#request.force }),
        // Per collection: what one collection stores says nothing about another's documents.
        ...(this.#request.crawlDir === undefined ? {} : { crawlDir: join(this.#request.crawlDir, this.#request.collection) }),
      });
      this.roots.push(source.root);
      this.#report.emit({ type: 'source', root: source.root, kind: source.kind, commit: source.git?.commit });
      try {
        if (this.#request.countFiles && source.kind !== 'crawl') {
          let files = 0;
          for await (const item of source.items) {
            signal?.throwIfAborted();
            if (only === null || only.has(item.uri)) files += 1;
          }
          this.#report.emit({ type: 'plan', root: source.root, files, skipped: only === null ? source.skipped.length : 0 });
        }
        for await (const item of source.items) {
          signal?.throwIfAborted();
          if (only !== null && !only.has(item.uri)) continue;
          if (this.seen.has(item.uri)) continue;
          this.seen.add(item.uri);
          this.#report.seen();
          yield { type: 'file', item };
        }
        yield { type: 'end-of-source' };
        for (const entry of source.skipped) {
          if (only === null || only.has(entry.uri)) this.#report.skipped({ uri: entry.uri, relativePath: entry.path }, entry.code, entry.reason);
        }
        for (const text of source.notices ?? []) this.#report.notice(text);
        const scope = source.pruneScope?.();
        if (scope !== undefined) this.pruneScopes.set(source.root, scope);
      } finally {
        await source.cleanup();
      }
    }
  }
}
