import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CairnApp } from '../app/cairn-app.js';
import { registerDocumentResources } from './document-resources.js';
import type { McpToolContext } from './tool-result.js';
import { registerAskTool } from './tools/ask-tool.js';
import { registerGetDocumentTool } from './tools/get-document-tool.js';
import { registerIngestTool } from './tools/ingest-tool.js';
import { registerListCollectionsTool } from './tools/list-collections-tool.js';
import { registerListSourcesTool } from './tools/list-sources-tool.js';
import { registerRecallTool } from './tools/recall-tool.js';
import { registerRememberTool } from './tools/remember-tool.js';
import { registerSearchTool } from './tools/search-tool.js';

export interface CreateMcpServerOptions {
  /** Cairn's version, reported to clients. */
  version: string;
  /** Collection of calls that name none; default the configured `defaultCollection`. */
  defaultCollection?: string;
  /** Whether `ingest` and `remember` may run: true over stdio (the local user), the key's scope over HTTP. */
  canWrite: boolean;
  /** The API key of an HTTP caller, recorded with its searches (none over stdio). */
  keyId?: string;
}

export const MCP_INSTRUCTIONS =
  'Cairn is a knowledge base of the user\'s documents and code. Start with list_sources (which projects and technologies it holds) or search; ' +
  'open a hit with get_document; ask gives a cited answer. remember stores a fact for later; recall finds stored facts.';

/**
 * The MCP server of one app: every tool a thin adapter over a use case, and documents as resources.
 * Cheap to build (no I/O), so the HTTP transport builds one per request with that request's rights.
 */
export function createMcpServer(app: CairnApp, options: CreateMcpServerOptions): McpServer {
  const server = new McpServer({ name: 'cairn', title: 'Cairn knowledge base', version: options.version }, { instructions: MCP_INSTRUCTIONS });
  const context: McpToolContext = {
    app,
    defaultCollection: options.defaultCollection ?? app.config.defaultCollection,
    canWrite: options.canWrite,
    origin: { surface: 'mcp', ...(options.keyId ? { keyId: options.keyId } : {}) },
  };
  registerSearchTool(server, context);
  registerAskTool(server, context);
  registerListCollectionsTool(server, context);
  registerListSourcesTool(server, context);
  registerGetDocumentTool(server, context);
  registerIngestTool(server, context);
  registerRememberTool(server, context);
  registerRecallTool(server, context);
  registerDocumentResources(server, context);
  return server;
}
