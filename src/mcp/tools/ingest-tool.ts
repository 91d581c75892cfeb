import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ingest } from '../../app/ingest.js';
import { collectionNameSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { CairnError } from '../../core/cairn-error.js';
import { assertPublicGitUrl, resolveAllowedPath } from '../../ingest/source/source-guards.js';
import { requireWrite, runTool, toolSuccess, type McpToolContext } from '../tool-result.js';

/** Skipped files listed in a result at most (the counts cover all of them). */
const MAX_SKIPPED_LISTED = 20;

export const ingestToolInputSchema = z
  .object({
    path: z.string().trim().min(1).max(4000).optional().describe('File or directory inside one of the directories the server allows (sources.allowedDirs); relative paths are taken relative to them.'),
    git: z.string().trim().min(1).max(4000).optional().describe('Clone URL of a public git repository (https://… or git@host:org/repo.git).'),
    collection: collectionNameSchema.optional().describe('Collection to ingest into (created on first use); default: the server default.'),
    tags: z.array(z.string().trim().min(1).max(64)).max(32).optional().describe('Tags added to every document (search filter.tags).'),
    prune: z.boolean().optional().describe('Also remove documents of this source that no longer exist.'),
  })
  .strict()
  .refine((value) => (value.path === undefined) !== (value.git === undefined), 'give exactly one of path and git');

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
 * Ingests a path or git repository named by the (remote) caller, with the guards of the HTTP API:
 * the tool is off until `sources.allowedDirs` is configured, paths must resolve inside those
 * directories, and git hosts must be public unless `sources.allowPrivateNetworks`. Runs to the end
 * before answering (the call's cancellation aborts it).
 */
export function registerIngestTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'ingest',
    {
      title: 'Add documents to the knowledge base',
      description:
        'Ingests a file, a directory (inside the directories the server allows) or a public git repository into a collection, incrementally (unchanged files are skipped). ' +
        'Needs write access; off unless the server configures sources.allowedDirs.',
      inputSchema: ingestToolInputSchema,
      outputSchema: ingestToolOutputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    (args, extra) =>
      runTool(async () => {
        requireWrite(context, 'ingest');
        const input = parseInput(ingestToolInputSchema, args);
        const { sources } = context.app.config;
        if (sources.allowedDirs.length === 0) {
          throw new CairnError('FORBIDDEN', 'Ingesting through MCP is turned off on this server.', {
            hint: 'List the directories it may read in sources.allowedDirs (cairn.config.json or CAIRN_ALLOWED_DIRS), or run `cairn ingest` yourself.',
          });
        }
        let source: string;
        if (input.path !== undefined) source = await resolveAllowedPath(input.path, sources.allowedDirs);
        else {
          source = input.git!;
          await assertPublicGitUrl(source, sources.allowPrivateNetworks);
        }
        const collection = input.collection ?? context.defaultCollection;
        const summary = await ingest(context.app, {
          collection,
          sources: [source],
          ...(input.tags ? { tags: input.tags } : {}),
          ...(input.prune !== undefined ? { prune: input.prune } : {}),
          signal: extra.signal,
        });
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
