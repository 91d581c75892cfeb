import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListResourcesRequestSchema, type ListResourcesResult, type Resource } from '@modelcontextprotocol/sdk/types.js';
import { listCollections } from '../app/collections.js';
import { getDocument } from '../app/get-document.js';
import { CairnError } from '../core/cairn-error.js';
import type { DocumentRecord } from '../stores/chunk-store.js';
import { documentPageJson, renderDocumentPage } from './tools/get-document-tool.js';
import type { McpToolContext } from './tool-result.js';

/** Documents per `resources/list` page. */
export const RESOURCE_PAGE_SIZE = 100;
/** Chunks per resource read; `?fromChunk=N` reads on. */
const CHUNKS_PER_READ = 100;

export function documentResourceUri(collection: string, id: number, fromChunk?: number): string {
  return `cairn://${collection}/documents/${id}${fromChunk ? `?fromChunk=${fromChunk}` : ''}`;
}

interface ListCursor {
  collection: string;
  offset: number;
}

function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(value: string): ListCursor {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<ListCursor>;
    if (typeof parsed.collection === 'string' && Number.isInteger(parsed.offset) && (parsed.offset ?? -1) >= 0) return parsed as ListCursor;
  } catch {
    // fall through
  }
  throw new CairnError('INPUT_INVALID', 'Invalid cursor: it is not one this server returned.', { hint: 'Pass the nextCursor of the previous page, or none.' });
}

function resourceOf(document: DocumentRecord): Resource {
  return {
    uri: documentResourceUri(document.collection, document.id),
    name: `${document.collection}/${document.relativePath}`,
    title: document.title,
    description: `${document.uri} · ${document.chunkCount} chunks`,
    mimeType: 'text/markdown',
    size: document.sizeBytes,
  };
}

/**
 * One page of document resources across all collections (collections by name, documents by path),
 * `nextCursor` while more remain. The SDK's own `resources/list` handler neither passes the cursor
 * to a template's list callback nor returns `nextCursor`, so this replaces it.
 */
export async function listDocumentResources(context: McpToolContext, cursor: string | undefined): Promise<ListResourcesResult> {
  const collections = (await listCollections(context.app)).map((c) => c.name).sort();
  let position: ListCursor | undefined = cursor ? decodeCursor(cursor) : collections[0] !== undefined ? { collection: collections[0], offset: 0 } : undefined;
  const resources: Resource[] = [];
  while (position && resources.length < RESOURCE_PAGE_SIZE) {
    const index = collections.indexOf(position.collection);
    if (index < 0) {
      const following: string | undefined = collections.find((name) => name > position!.collection);
      position = following === undefined ? undefined : { collection: following, offset: 0 };
      continue;
    }
    const limit = RESOURCE_PAGE_SIZE - resources.length;
    const page = await context.app.chunks.listDocuments({ collection: position.collection, sort: 'path', order: 'asc', limit, offset: position.offset });
    resources.push(...page.items.map(resourceOf));
    const offset = position.offset + page.items.length;
    const next = collections[index + 1];
    position = offset < page.total ? { collection: position.collection, offset } : next === undefined ? undefined : { collection: next, offset: 0 };
  }
  return { resources, ...(position ? { nextCursor: encodeCursor(position) } : {}) };
}

/**
 * Documents as MCP resources: `cairn://<collection>/documents/<id>` (listed, paginated), read as
 * Markdown text of up to CHUNKS_PER_READ chunks; `?fromChunk=N` reads on from chunk N.
 */
export function registerDocumentResources(server: McpServer, context: McpToolContext): void {
  server.registerResource(
    'document',
    new ResourceTemplate('cairn://{collection}/documents/{id}', {
      list: async () => listDocumentResources(context, undefined),
    }),
    { title: 'Knowledge base document', description: 'A document of a Cairn collection as Markdown text, by collection and document id.', mimeType: 'text/markdown' },
    async (uri, variables) => {
      const collection = String(variables.collection);
      const id = String(variables.id).split('?')[0] ?? '';
      const fromChunk = Number(uri.searchParams.get('fromChunk') ?? '0');
      if (!/^\d+$/.test(id) || !Number.isInteger(fromChunk) || fromChunk < 0) {
        throw new CairnError('INPUT_INVALID', `Invalid document resource ${uri.href}.`, { hint: 'Use cairn://<collection>/documents/<id> as listed by resources/list.' });
      }
      const page = documentPageJson(await getDocument(context.app, { collection, document: id, fromChunk, maxChunks: CHUNKS_PER_READ }));
      let text = renderDocumentPage(page);
      if (page.nextChunk !== null) text = text.replace(/\(more: .*\)$/, `(more: read ${documentResourceUri(collection, page.document.id, page.nextChunk)})`);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
    },
  );
  server.server.setRequestHandler(ListResourcesRequestSchema, (request) => listDocumentResources(context, request.params?.cursor));
}
