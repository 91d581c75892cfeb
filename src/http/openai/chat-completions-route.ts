import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { answerConversation, type ConversationMessage } from '../../app/openai/answer-conversation.js';
import { collectionOfModel } from '../../app/openai/cairn-models.js';
import type { AnswerPart } from '../../core/answer-types.js';
import { CairnError, type ErrorCode } from '../../core/cairn-error.js';
import { clientAbortSignal } from '../answer-sse.js';
import { openEventStream } from '../event-stream-response.js';
import { cairnExtras, completionIdentity, completionUsage, finishReasonOf, sourcesMarkdown, type CompletionIdentity } from './chat-completion-json.js';
import { openAiErrorFrom, openAiErrorSchema } from './openai-error.js';
import { chatCompletionRequestSchema, messageText, type ChatCompletionRequest } from './openai-schemas.js';

type Finish = Extract<AnswerPart, { type: 'finish' }>;

const completionSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number(),
    model: z.string(),
    choices: z.array(z.object({ index: z.number(), message: z.object({ role: z.literal('assistant'), content: z.string() }).loose(), finish_reason: z.string() }).loose()),
    usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }),
    citations: z.array(z.record(z.string(), z.unknown())).describe('the cited sources, as in /v1/ask'),
    cairn: z.record(z.string(), z.unknown()).describe('collection, extractive, notices, timings'),
  })
  .loose();

/** Written with JSON.stringify: the schema documents the body; the handler builds exactly it. */
const plainJson = () => (data: unknown) => JSON.stringify(data);

/**
 * `POST /v1/chat/completions` with model `cairn/<collection>`: Cairn's cited answer over that
 * collection, the conversation's earlier turns condensed as in `cairn chat`. `stream: true` answers
 * `chat.completion.chunk` Server-Sent Events ending with `data: [DONE]`; otherwise one
 * `chat.completion`. The numbered sources are appended to the text, and given as `citations` on the
 * completion (on the last chunk when streaming). `temperature`, `max_tokens` / `max_completion_tokens`
 * (at most half the context window, so sources keep room) and `stop` reach the language model; an
 * extractive answer (no language model) ignores them.
 */
export function registerChatCompletionsRoute(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '/chat/completions',
    {
      config: { scope: 'read' },
      serializerCompiler: plainJson,
      schema: {
        tags: ['openai'],
        description: 'OpenAI-compatible chat completion over a collection (model `cairn/<collection>`). Streams text/event-stream with `stream: true`.',
        body: chatCompletionRequestSchema,
        response: { 200: completionSchema, '4xx': openAiErrorSchema, '5xx': openAiErrorSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const collection = await collectionOfModel(app, body.model);
      const messages: ConversationMessage[] = body.messages.map((message) => ({ role: message.role === 'function' ? 'tool' : message.role, content: messageText(message.content) }));
      const abort = clientAbortSignal(reply);
      try {
        const parts = answerConversation(
          app,
          { collection: collection.name, messages, ...(body.user ? { userId: body.user } : {}) },
          { signal: abort.signal, origin: { surface: 'openai', ...(request.apiKeyId ? { keyId: request.apiKeyId } : {}) }, generation: generationOf(body, app.config.llm.contextWindow) },
        );
        const context = { identity: completionIdentity(body.model), collection: collection.name, conversationText: messages.map((message) => message.content).join('\n') };
        if (!body.stream) return await completion(parts, context);
        await streamCompletion(reply, parts, { ...context, includeUsage: body.stream_options?.include_usage === true });
        return reply;
      } finally {
        abort.dispose();
      }
    },
  );
}

function generationOf(body: ChatCompletionRequest, contextWindow: number) {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const stop = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined);
  return {
    ...(body.temperature !== null && body.temperature !== undefined ? { temperature: body.temperature } : {}),
    ...(maxTokens !== null && maxTokens !== undefined ? { maxTokens: Math.min(maxTokens, Math.floor(contextWindow / 2)) } : {}),
    ...(stop && stop.length > 0 ? { stop } : {}),
  };
}

interface CompletionContext {
  identity: CompletionIdentity;
  collection: string;
  conversationText: string;
}

function failed(part: Extract<AnswerPart, { type: 'error' }>): CairnError {
  return new CairnError(part.error.code as ErrorCode, part.error.message, { retryable: part.error.retryable, hint: 'Check the language model server (CAIRN_LLM_URL) and its logs.' });
}

async function completion(parts: AsyncIterable<AnswerPart>, context: CompletionContext) {
  const notices: string[] = [];
  let finish: Finish | undefined;
  for await (const part of parts) {
    if (part.type === 'notice') notices.push(part.text);
    else if (part.type === 'error') throw failed(part);
    else if (part.type === 'finish') finish = part;
  }
  if (!finish) throw new CairnError('INTERNAL', 'The answer stream ended without a finish part.');
  return {
    ...context.identity,
    object: 'chat.completion' as const,
    choices: [{ index: 0, message: { role: 'assistant' as const, content: finish.answer + sourcesMarkdown(finish.citations), refusal: null }, logprobs: null, finish_reason: finishReasonOf(finish) }],
    usage: completionUsage(finish, context.conversationText),
    ...cairnExtras(finish, notices, context.collection),
  };
}

/**
 * The answer as `chat.completion.chunk` events: the role first, one chunk per text delta, the sources
 * as a last content delta, a chunk with `finish_reason` and the citations, the usage chunk when
 * asked for (`stream_options.include_usage`), then `[DONE]`. The first part is awaited before the
 * stream opens, so an early failure is still an HTTP error; a later one is an `error` event.
 */
async function streamCompletion(reply: FastifyReply, parts: AsyncIterable<AnswerPart>, context: CompletionContext & { includeUsage: boolean }): Promise<void> {
  const iterator = parts[Symbol.asyncIterator]();
  let next = await iterator.next();
  const response = openEventStream(reply);
  const { identity } = context;
  const usageField = context.includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    ...identity,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...usageField,
  });
  send(response, chunk({ role: 'assistant', content: '' }));
  const notices: string[] = [];
  try {
    while (!next.done) {
      const part = next.value;
      if (part.type === 'text-delta') send(response, chunk({ content: part.text }));
      else if (part.type === 'notice') notices.push(part.text);
      else if (part.type === 'error') {
        send(response, { error: openAiErrorFrom(failed(part)).body.error });
        return;
      } else if (part.type === 'finish') {
        const sources = sourcesMarkdown(part.citations);
        if (sources) send(response, chunk({ content: sources }));
        send(response, { ...chunk({}, finishReasonOf(part)), ...cairnExtras(part, notices, context.collection) });
        if (context.includeUsage) send(response, { ...identity, object: 'chat.completion.chunk', choices: [], usage: completionUsage(part, context.conversationText) });
      }
      next = await iterator.next();
    }
    if (!response.writableEnded && !response.destroyed) response.write('data: [DONE]\n\n');
  } catch (error) {
    send(response, { error: openAiErrorFrom(error).body.error });
  } finally {
    if (!next.done) await iterator.return?.().catch(() => undefined);
    if (!response.writableEnded) response.end();
  }
}

function send(response: ServerResponse, payload: unknown): void {
  if (response.writableEnded || response.destroyed) return;
  response.write(`data: ${JSON.stringify(payload)}\n\n`);
}
