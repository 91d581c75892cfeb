import type { AnswerTimings, Citation } from '../core/answer-types.js';
import type { RecordTransfer } from './record-transfer.js';

/** A stored chat session. Times are ISO 8601 (UTC). Also the JSON shape of the HTTP API. */
export interface ChatSessionRecord {
  id: string;
  collection: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
  /**
   * Who created the session: an opaque owner string (`key:<api key id>` over HTTP, see
   * app/caller.ts), or null for sessions of the local operator (the CLI) and sessions stored before
   * owners were recorded. The store only keeps and filters it; access rules live in the use cases.
   */
  owner: string | null;
}

/** One stored message of a session; the assistant's carries its citations and timings. */
export interface ChatMessageRecord {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  citations?: Citation[];
  timings?: AnswerTimings;
  extractive?: boolean;
  createdAt: string;
}

export interface NewChatMessage {
  role: 'user' | 'assistant';
  content: string;
  citations?: Citation[];
  timings?: AnswerTimings;
  extractive?: boolean;
}

/** A session with all its messages, as `cairn db copy` moves it. */
export interface ExportedChatSession extends ChatSessionRecord {
  /** Oldest first. */
  messages: ChatMessageRecord[];
}

/**
 * Chat sessions and their messages, in the same database as the chunks. Records: ExportedChatSession
 * in creation order, a session imported whole with its messages; counted as `chatSessions` and
 * `chatMessages`.
 */
export interface ChatStore extends RecordTransfer<ExportedChatSession> {
  createSession(session: { collection: string; title: string; owner: string | null }): Promise<ChatSessionRecord>;
  /**
   * Most recently updated first; `nextCursor` is null on the last page. With `owner`, only the
   * sessions of that owner (a string; sessions with a null owner never match); without it, all.
   */
  listSessions(query: { limit: number; cursor?: string; owner?: string }): Promise<{ items: ChatSessionRecord[]; nextCursor: string | null }>;
  getSession(id: string): Promise<ChatSessionRecord | undefined>;
  renameSession(id: string, title: string): Promise<ChatSessionRecord | undefined>;
  /** Deletes the session and its messages; false when there is none. */
  deleteSession(id: string): Promise<boolean>;
  /** The last `limit` messages (all when omitted), oldest first. */
  messages(sessionId: string, limit?: number): Promise<ChatMessageRecord[]>;
  /**
   * Appends messages in one transaction, bumps the session's updatedAt and count, and sets its title
   * when it is empty. Undefined when the session no longer exists (deleted while answering).
   */
  appendMessages(sessionId: string, messages: readonly NewChatMessage[], titleIfEmpty?: string): Promise<ChatMessageRecord[] | undefined>;
}
