import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ask } from '../../app/ask.js';
import { askInputSchema, searchFilterSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { collectAnswer } from '../../app/render/answer-json.js';
import { clip, runTool, toolSuccess, type McpToolContext } from '../tool-result.js';

const shape = askInputSchema.shape;

export const askToolInputSchema = askInputSchema.partial({ collection: true }).extend({
  question: shape.question.describe('The question, in natural language.'),
  collection: shape.collection.optional().describe('Collection to answer from (list_collections); default: the server default.'),
  k: shape.k.describe('Passages retrieved before reranking (default from the configuration).'),
  mode: shape.mode.describe('Retrieval: lexical, dense or hybrid (default).'),
  filter: searchFilterSchema.optional().describe('Narrow the retrieval, as in search.'),
  rerank: shape.rerank.describe('false skips the reranker.'),
});

const nullableNumber = z.number().nullable();

/** Loose: the shared answer JSON (render/answer-json.ts) may grow fields; these are the ones promised. */
export const citationOutputSchema = z.looseObject({
  n: z.number().int().describe('The [n] used in the answer.'),
  kind: z.enum(['chunk', 'memory', 'turn']).describe('chunk: a passage of a document; memory: a stored memory; turn: an earlier turn of the chat.'),
  source_uri: z.string(),
  title: z.string(),
  heading_path: z.array(z.string()),
  page_start: nullableNumber,
  page_end: nullableNumber,
  line_start: nullableNumber,
  line_end: nullableNumber,
  chunk_ids: z.array(z.number()),
  document_id: nullableNumber,
  score: z.number(),
  text: z.string(),
});

export const askToolOutputSchema = z.object({
  question: z.string(),
  collection: z.string(),
  answer: z.string(),
  extractive: z.boolean().describe('True when no language model answered: the answer is the best passages.'),
  citations: z.array(citationOutputSchema),
  model: z.string().nullable(),
  finish_reason: z.string(),
  notices: z.array(z.string()),
  timings: z.looseObject({
    retrieval_ms: z.number(),
    rerank_ms: z.number(),
    context_ms: z.number(),
    preparation_ms: z.number(),
    ttft_ms: nullableNumber,
    decode_ms: nullableNumber,
    tokens_per_second: nullableNumber,
    prompt_tokens: nullableNumber,
    completion_tokens: nullableNumber,
    total_ms: z.number(),
  }),
});

export function registerAskTool(server: McpServer, context: McpToolContext): void {
  server.registerTool(
    'ask',
    {
      title: 'Answer from the knowledge base',
      description:
        'A grounded answer to a question from the knowledge base, with numbered citations [n] (source URI, title, passage) and timings. ' +
        `Extractive (the best passages) when no language model is configured. Default collection: "${context.defaultCollection}".`,
      inputSchema: askToolInputSchema,
      outputSchema: askToolOutputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args, extra) =>
      runTool(async () => {
        const input = parseInput(askInputSchema, { ...args, collection: args.collection ?? context.defaultCollection });
        const answer = await collectAnswer(context.app, ask(context.app, input, { signal: extra.signal, origin: context.origin }));
        const structured = {
          question: input.question,
          collection: input.collection,
          answer: answer.answer,
          extractive: answer.extractive,
          citations: answer.citations,
          model: answer.model,
          finish_reason: answer.finish_reason,
          notices: answer.notices,
          timings: answer.timings,
        };
        return toolSuccess(structured, renderAnswer(structured));
      }),
  );
}

function renderAnswer(output: z.infer<typeof askToolOutputSchema>): string {
  const lines = [output.answer.trim(), ''];
  if (output.citations.length > 0) {
    lines.push('Sources:');
    for (const citation of output.citations) {
      const heading = citation.heading_path.length > 0 ? ` — ${citation.heading_path.join(' › ')}` : '';
      lines.push(`[${citation.n}] ${citation.title}${heading} · ${citation.source_uri}${citation.document_id !== null ? ` (document ${citation.document_id})` : ''}`);
    }
  }
  const how = output.extractive ? 'extractive (no language model)' : `model ${output.model ?? 'unknown'}`;
  lines.push('', `${how} · ${output.timings.total_ms.toFixed(0)} ms`);
  for (const notice of output.notices) lines.push(`Note: ${clip(notice, 300)}`);
  return lines.join('\n');
}
