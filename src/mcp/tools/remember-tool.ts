import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { createMemory, type Memory } from '../../app/memories.js';
import { memoryCreateInputSchema, memorySchema } from '../../app/memory-input-schemas.js';
import { clip, requireWrite, runTool, toolSuccess, type McpToolContext } from '../tool-result.js';

const create = memoryCreateInputSchema.shape;

export const rememberToolInputSchema = memoryCreateInputSchema.extend({
  content: create.content.describe('The fact or note to remember, self-contained ("Prod DB is on host db-2, port 5433").'),
  tags: create.tags.describe('Short labels to find it by (recall tags).'),
  source: create.source.describe('Where it came from (a URL, a file, "user").'),
  expiresAt: create.expiresAt.describe('ISO date-time after which it is forgotten.'),
  sessionId: create.sessionId.describe('Visible only to recalls naming this session.'),
  userId: create.userId.describe('Visible only to recalls naming this user.'),
});

export const memoryOutputSchema = memorySchema;

export const rememberToolOutputSchema = z.object({ memory: memoryOutputSchema });

export function memoryJson(memory: Memory): z.infer<typeof memoryOutputSchema> {
  return {
    id: memory.id,
    content: memory.content,
    tags: memory.tags,
    source: memory.source,
    sessionId: memory.sessionId,
    userId: memory.userId,
    createdAt: memory.createdAt,
    updatedAt: memory.updatedAt,
    expiresAt: memory.expiresAt,
  };
}

export function registerRememberTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'remember',
    {
      title: 'Remember a fact',
      description: 'Stores a long-term memory (a fact, decision or preference) that later recall calls and answers can use. Needs write access.',
      inputSchema: rememberToolInputSchema,
      outputSchema: rememberToolOutputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args) =>
      runTool(async () => {
        requireWrite(context, 'remember');
        const memory = memoryJson(await createMemory(context.app, args));
        const tags = memory.tags.length > 0 ? ` [${memory.tags.join(', ')}]` : '';
        return toolSuccess({ memory }, `Remembered (id ${memory.id})${tags}: ${clip(memory.content, 300)}`);
      }),
  );
}
