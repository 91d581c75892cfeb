import type { AnswerPart, Citation } from '../core/answer-types.js';
import { CairnError, toCairnError } from '../core/cairn-error.js';
import type { ChatMessageRecord, ChatSessionRecord, NewChatMessage } from '../stores/chat-store.js';
import type { CairnApp } from './cairn-app.js';
import { mayAccess, type Caller } from './caller.js';
import {
  chatMessageInputSchema,
  chatSessionCreateInputSchema,
  chatSessionIdSchema,
  chatSessionListInputSchema,
  chatSessionRenameInputSchema,
  type ChatMessageInput,
  type ChatSessionCreateInput,
  type ChatSessionListInput,
  type ChatSessionRenameInput,
} from './chat-input-schemas.js';
import { chatTurn, type ChatTurnOptions, type SessionTurn } from './chat.js';
import { parseInput } from './parse-input.js';
import { collectionNotFound } from './collection-not-found.js';

export type { ChatMessageRecord, ChatSessionRecord } from '../stores/chat-store.js';

/** Stored messages read to rebuild the recent turns of a session (two per turn, with room for unanswered questions). */
const TURN_MESSAGES_READ = 100;
/** Longest title taken from the first question, in characters. */
const TITLE_FROM_QUESTION_CHARS = 80;

function sessionNotFound(id: string): CairnError {
  return new CairnError('CHAT_SESSION_NOT_FOUND', `No chat session has the id ${id}.`, {
    hint: 'List sessions with GET /v1/chat/sessions, or create one with POST /v1/chat/sessions.',
  });
}

/**
 * The session `id` when `caller` may use it: its owner, an admin, or the local operator. Another
 * owner's session is answered as missing (404), so that ids of others' sessions reveal nothing.
 */
async function accessibleSession(app: CairnApp, caller: Caller, id: string): Promise<ChatSessionRecord> {
  const session = await app.chats.getSession(id);
  if (!session || !mayAccess(caller, session.owner)) throw sessionNotFound(id);
  return session;
}

/** Use case: a new session owned by the caller. */
export async function createChatSessionRecord(app: CairnApp, caller: Caller, input: ChatSessionCreateInput): Promise<ChatSessionRecord> {
  const parsed = parseInput(chatSessionCreateInputSchema, input);
  if (!(await app.chunks.getCollection(parsed.collection))) {
    throw await collectionNotFound(app, parsed.collection, 'Create it by ingesting into it first.');
  }
  return app.chats.createSession({ collection: parsed.collection, title: parsed.title ?? '', owner: caller.owner });
}

/**
 * Use case: sessions most recently updated first: the caller's own (`owner: 'mine'`, the default),
 * or every owner's (`owner: 'all'`, admins only). The local operator's own are all of them.
 */
export async function listChatSessions(app: CairnApp, caller: Caller, input: ChatSessionListInput = {}): Promise<{ items: ChatSessionRecord[]; nextCursor: string | null }> {
  const parsed = parseInput(chatSessionListInputSchema, input);
  if (parsed.owner === 'all' && !caller.admin) {
    throw new CairnError('FORBIDDEN', 'Only an admin key may list the chat sessions of every key.', { hint: 'Leave out owner=all to list your own sessions.' });
  }
  const owner = parsed.owner === 'mine' && caller.owner !== null ? { owner: caller.owner } : {};
  return app.chats.listSessions({ limit: parsed.limit, ...owner, ...(parsed.cursor !== undefined ? { cursor: parsed.cursor } : {}) });
}

export async function getChatSession(app: CairnApp, caller: Caller, id: string): Promise<{ session: ChatSessionRecord; messages: ChatMessageRecord[] }> {
  const sessionId = parseInput(chatSessionIdSchema, id);
  const session = await accessibleSession(app, caller, sessionId);
  return { session, messages: await app.chats.messages(sessionId) };
}

export async function renameChatSession(app: CairnApp, caller: Caller, id: string, input: ChatSessionRenameInput): Promise<ChatSessionRecord> {
  const sessionId = parseInput(chatSessionIdSchema, id);
  const parsed = parseInput(chatSessionRenameInputSchema, input);
  await accessibleSession(app, caller, sessionId);
  const session = await app.chats.renameSession(sessionId, parsed.title);
  if (!session) throw sessionNotFound(sessionId);
  return session;
}

export async function deleteChatSession(app: CairnApp, caller: Caller, id: string): Promise<void> {
  const sessionId = parseInput(chatSessionIdSchema, id);
  await accessibleSession(app, caller, sessionId);
  if (!(await app.chats.deleteSession(sessionId))) throw sessionNotFound(sessionId);
}

/**
 * Pairs stored messages into finished turns, oldest first: a user message followed by an assistant
 * message. A question left without an answer (the client went away before any text) is skipped.
 */
export function turnsOf(sessionId: string, messages: readonly ChatMessageRecord[]): SessionTurn[] {
  const turns: SessionTurn[] = [];
  messages.forEach((message, index) => {
    const previous = messages[index - 1];
    if (message.role === 'assistant' && previous?.role === 'user' && message.content.length > 0) {
      turns.push({ question: previous.content, answer: message.content, uri: `chat:${sessionId}/${message.id}` });
    }
  });
  return turns;
}

/**
 * Use case: asks a question in a stored session (the parts of `chatTurn`: recent turns and the
 * session's memories in the context). Throws before the first part when the session does not exist.
 * The question and the answer are stored when the answer finishes; when it stops early (the consumer
 * stops iterating, the client goes away, an error part) the question is stored with the partial
 * answer received so far. The session's title defaults to its first question.
 */
export async function* postChatMessage(
  app: CairnApp,
  caller: Caller,
  id: string,
  input: ChatMessageInput,
  options: ChatTurnOptions = {},
): AsyncGenerator<AnswerPart, void, undefined> {
  const sessionId = parseInput(chatSessionIdSchema, id);
  const parsed = parseInput(chatMessageInputSchema, input);
  const session = await accessibleSession(app, caller, sessionId);
  const turns = turnsOf(sessionId, await app.chats.messages(sessionId, TURN_MESSAGES_READ));
  let partial = '';
  let finish: Extract<AnswerPart, { type: 'finish' }> | undefined;
  let sources: Citation[] | undefined;
  try {
    for await (const part of chatTurn(app, { id: sessionId, turns }, { ...parsed, collection: session.collection }, options)) {
      if (part.type === 'text-delta') partial += part.text;
      else if (part.type === 'sources') sources = part.citations;
      else if (part.type === 'finish') finish = part;
      yield part;
    }
  } finally {
    // Nothing is stored for a question that failed before its first part (it was answered with an error status).
    if (sources !== undefined) await store(app, sessionId, parsed.question, finish, partial, sources);
  }
}

async function store(
  app: CairnApp,
  sessionId: string,
  question: string,
  finish: Extract<AnswerPart, { type: 'finish' }> | undefined,
  partial: string,
  sources: readonly Citation[],
): Promise<void> {
  const answer: NewChatMessage = finish
    ? { role: 'assistant', content: finish.answer, citations: finish.citations, timings: finish.timings, extractive: finish.extractive }
    : { role: 'assistant', content: partial, citations: citedIn(partial, sources) };
  const messages: NewChatMessage[] = [{ role: 'user', content: question }];
  if (answer.content.length > 0) messages.push(answer);
  await app.chats.appendMessages(sessionId, messages, titleFrom(question)).catch((error: unknown) => {
    app.notice(`Could not store the chat turn (${toCairnError(error).message}).`);
  });
}

/** The sources a partial answer already cites. */
function citedIn(text: string, sources: readonly Citation[]): Citation[] {
  return sources.filter((citation) => text.includes(`[${citation.n}]`));
}

function titleFrom(question: string): string {
  const line = question.replace(/\s+/g, ' ').trim();
  return line.length <= TITLE_FROM_QUESTION_CHARS ? line : `${line.slice(0, TITLE_FROM_QUESTION_CHARS - 1).trimEnd()}…`;
}
