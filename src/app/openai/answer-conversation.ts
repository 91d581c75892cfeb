import type { AnswerPart } from '../../core/answer-types.js';
import { CairnError } from '../../core/cairn-error.js';
import { chatTurn, type ChatTurnOptions, type SessionTurn } from '../chat.js';
import type { CairnApp } from '../cairn-app.js';
import { askInputSchema } from '../input-schemas.js';
import { parseInput } from '../parse-input.js';

/** A message of a conversation as OpenAI-style clients send it, its content already flattened to text. */
export interface ConversationMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface ConversationInput {
  collection: string;
  messages: readonly ConversationMessage[];
  /** Memories scoped to this user are considered besides the unscoped ones. */
  userId?: string;
}

/**
 * Splits a conversation into its finished turns (a user message answered by the assistant message
 * that follows it) and the question: the last message, which must be the user's. System, developer
 * and tool messages are left out: Cairn's grounding rules are the system prompt.
 */
export function conversationTurns(messages: readonly ConversationMessage[]): { turns: SessionTurn[]; question: string } {
  const dialogue = messages.filter((message) => message.role === 'user' || message.role === 'assistant');
  const last = dialogue.at(-1);
  if (last?.role !== 'user' || last.content.trim().length === 0) {
    throw new CairnError('INPUT_INVALID', 'The last message of the conversation must be a non-empty user message: it is the question Cairn answers.', {
      hint: 'End `messages` with {"role": "user", "content": "<question>"}.',
      details: { param: 'messages' },
    });
  }
  const turns: SessionTurn[] = [];
  for (let index = 0; index < dialogue.length - 1; index += 1) {
    const message = dialogue[index]!;
    const reply = dialogue[index + 1]!;
    if (message.role === 'user' && reply.role === 'assistant' && message.content.trim() && reply.content.trim()) {
      turns.push({ question: message.content, answer: reply.content });
      index += 1;
    }
  }
  return { turns, question: last.content };
}

/**
 * Use case: answers the last question of a conversation over a collection, as a turn of `cairn chat`
 * (a follow-up is condensed into a standalone question for retrieval; the recent turns are given to
 * the model). Nothing is stored: the client keeps the conversation.
 */
export function answerConversation(app: CairnApp, input: ConversationInput, options: ChatTurnOptions = {}): AsyncGenerator<AnswerPart, void, undefined> {
  const { turns, question } = conversationTurns(input.messages);
  const ask = parseInput(askInputSchema, { collection: input.collection, question, ...(input.userId ? { userId: input.userId } : {}) });
  return chatTurn(app, { turns }, ask, options);
}
