import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ingest } from '../../app/ingest.js';
import type { IngestEvent } from '../../ingest/ingest-events.js';
import { sourceJobInputSchema } from '../../app/jobs/job-input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { CairnError } from '../../core/cairn-error.js';
import { assertCrawlWithinLimits } from '../../app/crawl-settings.js';
import type { CrawlOptions } from '../../app/input-schemas.js';
import { assertPublicGitUrl, assertPublicHttpUrl, resolveAllowedPath } from '../../ingest/source/source-guards.js';
import { requireWrite, runTool, toolSuccess, type McpToolContext } from '../tool-result.js';

/** Skipped files listed in a result at most (the counts cover all of them). */
const MAX_SKIPPED_LISTED = 20;
/** Least time between two progress notifications of one call. */
const PROGRESS_INTERVAL_MS = 500;
/**
 * Least time between the last progress notification and the result. The reference TypeScript SDK
 * client dispatches a notification a microtask after the message it arrived with, so a response in
 * the same read retires the token first and the client reports the progress as a protocol error
 * (modelcontextprotocol/typescript-sdk#2580). Spacing the two writes keeps them in separate reads.
 */
const PROGRESS_SETTLE_MS = 100;

const shape = sourceJobInputSchema.shape;

/**
 * The input of `POST /v1/collections/:name/documents` (sourceJobInputSchema) with the collection
 * optional. "Exactly one of path, git and crawl" is checked by that schema afterwards (INPUT_INVALID).
 */
export const ingestToolInputSchema = z
  .object({
    path: shape.path.describe('File or directory inside one of the directories the server allows (sources.allowedDirs); relative paths are taken relative to them.'),
    git: shape.git.describe('Clone URL of a public git repository (https://… or git@host:org/repo.git).'),
    crawl: shape.crawl.describe(
      'A public documentation web site to crawl: its start page `url`, and optionally maxPages, maxDepth, scope (URL prefix), include/exclude (globs over the URL path), sitemap (false: follow links). Honours robots.txt.',
    ),
    collection: shape.collection.optional().describe('Collection to ingest into (created on first use); default: the server default.'),
    tags: shape.tags.describe('Tags added to every document (search filter.tags).'),
    prune: shape.prune.describe('Also remove documents of this source that no longer exist.'),
  })
  .strict();

export const ingestToolOutputSchema = z.object({
  collection: z.string(),
  source: z.string(),
  filesSeen: z.number().int(),
  filesNew: z.number().int(),
  filesUpdated: z.number().int(),
  filesUnchanged: z.number().int(),
  filesSkipped: z.number().int(),
  filesPruned: z.number().int(),
  chunksWritten: z.number().int(),
  skipped: z.array(z.object({ relativePath: z.string(), code: z.string(), reason: z.string() })),
  totalMs: z.number(),
  notices: z.array(z.string()),
});

/**
 * Ingests a path, git repository or web site named by the (remote) caller, with the guards of the
 * HTTP API: the tool is off until `sources.allowedDirs` is configured, paths must resolve inside
 * those directories, and git and web hosts (every page and redirect of a crawl) must be public
 * unless `sources.allowPrivateNetworks`. Runs to the end
 * before answering (the call's cancellation aborts it).
 */
export function registerIngestTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'ingest',
    {
      title: 'Add documents to the knowledge base',
      description:
        'Ingests a file, a directory (inside the directories the server allows), a public git repository or a public documentation web site (crawled) into a collection, incrementally (unchanged files and pages are skipped). ' +
        'Needs write access; off unless the server configures sources.allowedDirs.',
      inputSchema: ingestToolInputSchema,
      outputSchema: ingestToolOutputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    (args, extra) =>
      runTool(async () => {
        requireWrite(context, 'ingest');
        const input = parseInput(sourceJobInputSchema, { ...args, collection: args.collection ?? context.defaultCollection });
        const { sources } = context.app.config;
        if (sources.allowedDirs.length === 0) {
          throw new CairnError('FORBIDDEN', 'Ingesting through MCP is turned off on this server.', {
            hint: 'List the directories it may read in sources.allowedDirs (cairn.config.json or CAIRN_ALLOWED_DIRS), or run `cairn ingest` yourself.',
          });
        }
        let source: string;
        let crawl: CrawlOptions | undefined;
        if (input.path !== undefined) source = await resolveAllowedPath(input.path, sources.allowedDirs);
        else if (input.crawl !== undefined) {
          const { url, ...options } = input.crawl;
          source = url;
          crawl = options;
          assertCrawlWithinLimits(context.app.config, options);
          await assertPublicHttpUrl(url, sources.allowPrivateNetworks);
        } else {
          source = input.git!;
          await assertPublicGitUrl(source, sources.allowPrivateNetworks);
        }
        const progress = progressReporter(extra);
        const summary = await ingest(context.app, {
          collection: input.collection,
          sources: [source],
          ...(input.tags ? { tags: input.tags } : {}),
          ...(input.prune !== undefined ? { prune: input.prune } : {}),
          ...(crawl === undefined ? {} : { crawl, allowPrivateNetworks: sources.allowPrivateNetworks }),
          signal: extra.signal,
          ...(progress ? { onEvent: progress.onEvent } : {}),
        });
        // Progress written after the result would reach a client that has forgotten the token.
        await progress?.flush();
        const structured = {
          collection: summary.collection,
          source,
          filesSeen: summary.filesSeen,
          filesNew: summary.filesNew,
          filesUpdated: summary.filesUpdated,
          filesUnchanged: summary.filesUnchanged,
          filesSkipped: summary.filesSkipped,
          filesPruned: summary.filesPruned,
          chunksWritten: summary.chunksWritten,
          skipped: summary.skipped.slice(0, MAX_SKIPPED_LISTED).map((s) => ({ relativePath: s.relativePath, code: s.code, reason: s.reason })),
          totalMs: summary.millis.total,
          notices: summary.notices,
        };
        const lines = [
          `Ingested ${source} into ${structured.collection}: ${structured.filesNew} new, ${structured.filesUpdated} updated, ${structured.filesUnchanged} unchanged, ` +
            `${structured.filesSkipped} skipped, ${structured.filesPruned} pruned; ${structured.chunksWritten} chunks written in ${(structured.totalMs / 1000).toFixed(1)} s.`,
          ...structured.skipped.map((s) => `skipped ${s.relativePath}: ${s.reason} [${s.code}]`),
          ...structured.notices.map((n) => `Note: ${n}`),
        ];
        return toolSuccess(structured, lines.join('\n'));
      }),
  );
}

/**
 * When the client asked for progress (a `progressToken` in the call's `_meta`), one
 * `notifications/progress` per PROGRESS_INTERVAL_MS with the files handled so far (the total is not
 * known up front); `flush` waits until every one is written and PROGRESS_SETTLE_MS have passed.
 * Over stdio they arrive as the ingest goes; the stateless HTTP transport answers one JSON body and
 * drops them.
 */
function progressReporter(extra: RequestHandlerExtra<ServerRequest, ServerNotification>): { onEvent: (event: IngestEvent) => void; flush: () => Promise<void> } | undefined {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  let files = 0;
  let chunks = 0;
  let lastSent = 0;
  let lastWritten = 0;
  const pending: Promise<void>[] = [];
  return {
    onEvent: (event) => {
      if (event.type !== 'file' && event.type !== 'skipped') return;
      files += 1;
      if (event.type === 'file') chunks += event.chunks;
      const now = Date.now();
      if (now - lastSent < PROGRESS_INTERVAL_MS) return;
      lastSent = now;
      pending.push(
        extra
          .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: files, message: `${files} files, ${chunks} chunks` } })
          .then(
            () => {
              lastWritten = Date.now();
            },
            () => undefined,
          ),
      );
    },
    flush: async () => {
      await Promise.all(pending);
      const wait = lastWritten === 0 ? 0 : lastWritten + PROGRESS_SETTLE_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}
