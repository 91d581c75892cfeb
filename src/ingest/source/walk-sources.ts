import type { SourceItem } from '../../core/source-item.js';
import type { IngestReport } from '../ingest-report.js';
import { isSupportedExtension } from '../parse/parse-file.js';
import { resolveSource } from './resolve-sources.js';

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
      });
      this.roots.push(source.root);
      this.#report.emit({ type: 'source', root: source.root, kind: source.kind, commit: source.git?.commit });
      try {
        if (this.#request.countFiles) {
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
      } finally {
        await source.cleanup();
      }
    }
  }
}
