import { z } from 'zod';

/*
 * Request schemas of the OpenAI-compatible routes: what Cairn reads is checked, everything else a
 * client sends (tools, logprobs, penalties, seed, metadata…) passes and is ignored.
 */

const contentPartSchema = z.object({ type: z.string(), text: z.string().optional() }).loose();

const messageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z.union([z.string(), z.array(contentPartSchema)]).nullish(),
  })
  .loose();

export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(messageSchema).min(1),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).loose().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    /** Both names of the answer's token limit (`max_tokens` is the older). */
    max_tokens: z.number().int().min(1).nullish(),
    max_completion_tokens: z.number().int().min(1).nullish(),
    stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
    /** One answer per request. */
    n: z.number().int().min(1).max(1, 'Cairn answers with one choice: n must be 1').nullish(),
    /** An end-user id: memories scoped to it are considered. */
    user: z.string().min(1).max(200).nullish(),
  })
  .loose();

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const embeddingsRequestSchema = z
  .object({
    model: z.string().min(1),
    /** Text or texts; token-id arrays are recognised so they can be refused clearly. */
    input: z.union([z.string(), z.array(z.string()), z.array(z.number()), z.array(z.array(z.number()))]),
    encoding_format: z.enum(['float', 'base64']).nullish(),
    dimensions: z.number().int().min(1).nullish(),
    user: z.string().nullish(),
  })
  .loose();

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

/** A message's content as text: a string, or the text parts of a content array (images and audio are skipped). */
export function messageText(content: ChatCompletionRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.filter((part) => part.type === 'text' && typeof part.text === 'string').map((part) => part.text).join('\n');
}
