import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { chatMessageInputSchema, chatSessionCreateInputSchema, chatSessionRenameInputSchema } from '../../app/chat-input-schemas.js';
import {
  createChatSessionRecord,
  deleteChatSession,
  getChatSession,
  listChatSessions,
  postChatMessage,
  renameChatSession,
  type ChatMessageRecord,
} from '../../app/chat-sessions.js';
import { answerTimingsJson, citationJson, collectAnswer } from '../../app/render/answer-json.js';
import { analyticsOrigin } from '../analytics-origin.js';
import { clientAbortSignal, sendAnswerStream } from '../answer-sse.js';
import { callerOf } from '../authenticate.js';
import { askQuerySchema, askResponseSchema, citationSchema, noContentSchema, withProblems } from '../http-schemas.js';

const chatSessionSchema = z.object({
  id: z.string(),
  collection: z.string(),
  title: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  messageCount: z.number(),
  owner: z.string().nullable().describe('`key:<api key id>` of the key that created it; null for the CLI\'s and older sessions'),
});

/** Citations and timings use the snake_case JSON of the answer events, so a client renders both alike. */
const chatMessageSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  citations: z.array(citationSchema).optional(),
  timings: z.record(z.string(), z.unknown()).optional(),
  extractive: z.boolean().optional(),
  createdAt: z.string(),
});

const sessionParamsSchema = z.object({ id: z.string().min(1).max(100) });
const listQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).optional(),
    cursor: z.string().min(1).max(300).optional(),
    owner: z.enum(['mine', 'all']).optional().describe('mine (default): the sessions of this key; all: of every key (admin keys only)'),
  })
  .strict();
const messageBodySchema = chatMessageInputSchema.extend({ stream: z.boolean().optional() });

function messageJson(message: ChatMessageRecord) {
  return {
    id: message.id,
    role: message.role,
    content: message.content,
    ...(message.citations ? { citations: message.citations.map(citationJson) } : {}),
    ...(message.timings ? { timings: answerTimingsJson(message.timings) } : {}),
    ...(message.extractive !== undefined ? { extractive: message.extractive } : {}),
    createdAt: message.createdAt,
  };
}

/**
 * `/v1/chat/sessions`: stored chat sessions, each owned by the key that created it. Every key that
 * may ask (scope read) may chat; a key sees and changes only its own sessions (another key's answer
 * 404), an admin key every session (`owner=all` lists them). Posting a message answers like `POST /v1/ask` (Server-
 * Sent Events by default, one JSON object with `stream=false`), with the session's recent turns and
 * memories in the context; the turn is stored when the answer ends, or with the partial answer when
 * the client goes away.
 */
export function registerChatRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '/sessions',
    { config: { scope: 'read' }, schema: { tags: ['chat'], body: chatSessionCreateInputSchema, response: withProblems(chatSessionSchema, 201) } },
    async (request, reply) => reply.status(201).send(await createChatSessionRecord(app, callerOf(request), request.body)),
  );
  routes.get(
    '/sessions',
    {
      config: { scope: 'read' },
      schema: { tags: ['chat'], querystring: listQuerySchema, response: withProblems(z.object({ items: z.array(chatSessionSchema), nextCursor: z.string().nullable() })) },
    },
    async (request) => listChatSessions(app, callerOf(request), request.query),
  );
  routes.get(
    '/sessions/:id',
    {
      config: { scope: 'read' },
      schema: { tags: ['chat'], params: sessionParamsSchema, response: withProblems(z.object({ session: chatSessionSchema, messages: z.array(chatMessageSchema) })) },
    },
    async (request) => {
      const { session, messages } = await getChatSession(app, callerOf(request), request.params.id);
      return { session, messages: messages.map(messageJson) };
    },
  );
  routes.patch(
    '/sessions/:id',
    { config: { scope: 'read' }, schema: { tags: ['chat'], params: sessionParamsSchema, body: chatSessionRenameInputSchema, response: withProblems(chatSessionSchema) } },
    async (request) => renameChatSession(app, callerOf(request), request.params.id, request.body),
  );
  routes.delete(
    '/sessions/:id',
    { config: { scope: 'read' }, schema: { tags: ['chat'], params: sessionParamsSchema, response: withProblems(noContentSchema, 204) } },
    async (request, reply) => {
      await deleteChatSession(app, callerOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
  routes.post(
    '/sessions/:id/messages',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['chat'],
        description: 'Streams text/event-stream (events as POST /v1/ask) unless stream=false; the 200 schema below is the stream=false body.',
        params: sessionParamsSchema,
        querystring: askQuerySchema,
        body: messageBodySchema,
        response: withProblems(askResponseSchema.extend({ sessionId: z.string() })),
      },
    },
    async (request, reply) => {
      const { stream: bodyStream, ...input } = request.body;
      const stream = request.query.stream !== undefined ? request.query.stream === 'true' : (bodyStream ?? true);
      const caller = callerOf(request);
      const abort = clientAbortSignal(reply);
      try {
        const parts = postChatMessage(app, caller, request.params.id, input, { signal: abort.signal, origin: analyticsOrigin(request) });
        if (!stream) {
          const { session } = await getChatSession(app, caller, request.params.id);
          return { sessionId: session.id, question: input.question, collection: session.collection, ...(await collectAnswer(app, parts)) };
        }
        await sendAnswerStream(request, reply, parts);
        return reply;
      } finally {
        abort.dispose();
      }
    },
  );
}
