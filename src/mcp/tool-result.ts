import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AnalyticsOrigin } from '../app/analytics/record-analytics.js';
import type { CairnApp } from '../app/cairn-app.js';
import { CairnError, toCairnError } from '../core/cairn-error.js';

/** What every tool handler sees: the app, the collection used when a call names none, and the caller's rights. */
export interface McpToolContext {
  app: CairnApp;
  defaultCollection: string;
  /** Whether the caller may change the knowledge base (`ingest`, `remember`): stdio yes, HTTP with a write or admin key. */
  canWrite: boolean;
  /** Recorded with each search and answer in the analytics log: surface `mcp` and the API key over HTTP. */
  origin: AnalyticsOrigin;
}

/** `_meta` key of the error details of a failed call. */
export const ERROR_META_KEY = 'cairn/error';

/** A successful call: the structured result (checked against the tool's output schema) and a compact text rendering of it. */
export function toolSuccess(structured: Record<string, unknown>, text: string): CallToolResult {
  return { structuredContent: structured, content: [{ type: 'text', text }] };
}

/**
 * A failed call as a tool result, never a protocol error: the client (and the model behind it) sees
 * `isError`, the stable code and the hint in the text, and the same fields under `_meta["cairn/error"]`.
 * No `structuredContent`: SDK clients up to 1.32 validate it against the output schema even on errors
 * (modelcontextprotocol/typescript-sdk#1943) and would throw instead of showing the error.
 */
export function toolError(error: unknown): CallToolResult {
  const failure = toCairnError(error);
  const lines = [`Error [${failure.code}]: ${failure.message}`];
  if (failure.hint) lines.push(`Hint: ${failure.hint}`);
  return {
    isError: true,
    content: [{ type: 'text', text: lines.join('\n') }],
    _meta: { [ERROR_META_KEY]: { code: failure.code, message: failure.message, hint: failure.hint ?? null, retryable: failure.retryable } },
  };
}

/** Runs a tool body; anything it throws becomes an error result (the server keeps serving). */
export async function runTool(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (error) {
    return toolError(error);
  }
}

/** Throws FORBIDDEN when the caller may not change the knowledge base. */
export function requireWrite(context: McpToolContext, tool: string): void {
  if (!context.canWrite) {
    throw new CairnError('FORBIDDEN', `The tool ${tool} changes the knowledge base and needs an API key with scope "write".`, {
      hint: 'Connect with a key created by `cairn keys create --scope write`.',
    });
  }
}

/** Shortens text to about `max` characters at a word boundary. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}
