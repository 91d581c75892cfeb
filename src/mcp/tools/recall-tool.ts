import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { searchMemories } from '../../app/memories.js';
import { memorySearchInputSchema } from '../../app/memory-input-schemas.js';
import { clip, runTool, toolSuccess, type McpToolContext } from '../tool-result.js';
import { memoryJson, memoryOutputSchema } from './remember-tool.js';

const searchShape = memorySearchInputSchema.shape;

export const recallToolInputSchema = memorySearchInputSchema.extend({
  query: searchShape.query.describe('What to recall, in words or as a question.'),
  k: searchShape.k.describe('Most memories to return (default 10).'),
  tags: searchShape.tags.describe('Only memories carrying every one of these tags.'),
  sessionId: searchShape.sessionId.describe('Also see memories scoped to this session.'),
  userId: searchShape.userId.describe('Also see memories scoped to this user.'),
  minScore: searchShape.minScore.describe('Leave out memories scoring below this (0-1).'),
});

export const recallToolOutputSchema = z.object({ memories: z.array(memoryOutputSchema.extend({ score: z.number() })) });

export function registerRecallTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'recall',
    {
      title: 'Recall memories',
      description: 'Long-term memories relevant to a query, best first, found by meaning and by words (and by tags).',
      inputSchema: recallToolInputSchema,
      outputSchema: recallToolOutputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) =>
      runTool(async () => {
        const { items } = await searchMemories(context.app, args, { signal: extra.signal });
        const memories = items.map((item) => ({ ...memoryJson(item), score: item.score }));
        const text =
          memories.length === 0
            ? `No memories match "${args.query}".`
            : memories.map((m, i) => `[${i + 1}] ${clip(m.content, 300)}${m.tags.length > 0 ? ` [${m.tags.join(', ')}]` : ''} (score ${m.score.toFixed(2)}, id ${m.id})`).join('\n');
        return toolSuccess({ memories }, text);
      }),
  );
}
