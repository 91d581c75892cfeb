import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { askToolOutputSchema } from '../../src/mcp/tools/ask-tool.js';
import { getDocumentToolOutputSchema } from '../../src/mcp/tools/get-document-tool.js';
import { ingestToolOutputSchema } from '../../src/mcp/tools/ingest-tool.js';
import { listCollectionsOutputSchema } from '../../src/mcp/tools/list-collections-tool.js';
import { listSourcesToolOutputSchema } from '../../src/mcp/tools/list-sources-tool.js';
import { recallToolOutputSchema } from '../../src/mcp/tools/recall-tool.js';
import { rememberToolOutputSchema } from '../../src/mcp/tools/remember-tool.js';
import { searchToolOutputSchema } from '../../src/mcp/tools/search-tool.js';

/** The output schema of every tool, as the server declares it (the client also checks the advertised JSON Schema). */
export const OUTPUT_SCHEMAS: Record<string, z.ZodType> = {
  search: searchToolOutputSchema,
  ask: askToolOutputSchema,
  list_collections: listCollectionsOutputSchema,
  list_sources: listSourcesToolOutputSchema,
  get_document: getDocumentToolOutputSchema,
  ingest: ingestToolOutputSchema,
  remember: rememberToolOutputSchema,
  recall: recallToolOutputSchema,
};

export const TOOL_NAMES = Object.keys(OUTPUT_SCHEMAS).sort();

export function resultText(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

/** Calls a tool that must succeed and returns its structured content, checked against the tool's output schema. */
export async function callOk<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void,
): Promise<T> {
  const result = (await client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress } : {})) as CallToolResult;
  assert.notEqual(result.isError, true, `${name}: ${resultText(result)}`);
  assert.ok(resultText(result).length > 0, `${name} has a text rendering`);
  const schema = OUTPUT_SCHEMAS[name];
  assert.ok(schema, name);
  const checked = schema.safeParse(result.structuredContent);
  assert.ok(checked.success, `${name} output: ${checked.error?.message}`);
  return result.structuredContent as T;
}

/** Calls a tool that must fail and returns the text (which carries the code). */
export async function callError(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.equal(result.isError, true, `${name} should fail: ${resultText(result)}`);
  return resultText(result);
}

/** Three small projects of five Markdown pages each under `dir` (alpha: deploying, beta: billing, gamma: monitoring), and one file to ingest later under `allowed`. */
export function writeSmallCorpus(dir: string, allowed: string): void {
  for (const [project, topic] of [
    ['alpha', 'deploying services with blue-green releases'],
    ['beta', 'billing invoices and refunds'],
    ['gamma', 'monitoring dashboards and alerts'],
  ] as const) {
    mkdirSync(join(dir, project), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, project, `page-${i}.md`), `# ${project} guide ${i}\n\n## Overview\n\nThe ${project} guide ${i} explains ${topic}, step ${i}.\n`);
  }
  mkdirSync(join(allowed, 'runbooks'), { recursive: true });
  writeFileSync(join(allowed, 'runbooks', 'restart.md'), '# Restarting the queue\n\nDrain the workers, then restart the queue broker with systemctl.\n');
}
