import type { AnswerPart } from '../core/answer-types.js';
import { toCairnError } from '../core/cairn-error.js';
import { condenseQuestionPrompt, type ChatTurn } from '../answer/prompt/grounded-prompt.js';
import type { ContextNote } from '../retrieve/context/fit-notes.js';
import { ask, type AskOptions } from './ask.js';
import type { CairnApp } from './cairn-app.js';
import type { AskInput } from './input-schemas.js';

/** A finished turn; `uri` names it in citations (`chat:<sessionId>/<messageId>` for stored sessions). */
export interface SessionTurn extends ChatTurn {
  uri?: string;
}

/**
 * A conversation: kept in memory by the CLI REPL, or loaded from the chat store (chat-sessions.ts),
 * whose id then also scopes the memories searched for its answers.
 */
export interface ChatSession {
  id?: string;
  turns: SessionTurn[];
}

/** Turns given to the model as dialogue with a follow-up, and used to condense it: older ones fall out. */
export const CHAT_HISTORY_TURNS = 4;
/** Longest standalone question the condense step may produce, in model tokens. */
const CONDENSE_MAX_TOKENS = 128;

/** Cancellation, who asked (analytics) and per-request generation settings, passed on to ask. */
export type ChatTurnOptions = Pick<AskOptions, 'signal' | 'origin' | 'generation'>;

export function createChatSession(): ChatSession {
  return { turns: [] };
}

/**
 * Use case: one turn of a chat. A follow-up is rewritten into a standalone question for retrieval by
 * the language model (one short non-streaming call) when one is configured, otherwise retrieval uses
 * the previous question together with the new one. The answer sees the recent turns twice: as
 * dialogue before the question (what chat models are trained to follow) and as numbered `turn`
 * sources (config memory.turns) that it can cite; and the memories of the session. The turn is added to
 * the session once its `finish` part has been produced.
 */
export async function* chatTurn(
  app: CairnApp,
  session: ChatSession,
  input: AskInput,
  options: ChatTurnOptions = {},
): AsyncGenerator<AnswerPart, void, undefined> {
  const recent = session.turns.slice(-CHAT_HISTORY_TURNS);
  const notices: string[] = [];
  let retrievalQuery: string | undefined;
  const previous = recent[recent.length - 1];
  if (previous !== undefined) {
    const standalone = await condense(app, input.question, recent, options.signal);
    if (standalone !== null) {
      retrievalQuery = standalone;
      if (standalone !== input.question) notices.push(`Searched for: ${standalone}`);
    } else {
      retrievalQuery = `${previous.question} ${input.question}`;
    }
  }
  let answer: string | undefined;
  const turns = session.turns.slice(-app.config.memory.turns).reverse().map((turn, index) => turnNote(turn, session, index));
  for await (const part of ask(app, input, {
    history: recent, turns, notices, ...(retrievalQuery ? { retrievalQuery } : {}), ...(options.signal ? { signal: options.signal } : {}),
    kind: 'chat', ...(options.origin ? { origin: options.origin } : {}), ...(options.generation ? { generation: options.generation } : {}),
    ...(session.id !== undefined ? { memoryScope: { sessionId: session.id } } : {}),
  })) {
    if (part.type === 'finish') answer = part.answer;
    yield part;
  }
  if (answer !== undefined) session.turns.push({ question: input.question, answer });
}

/**
 * An earlier turn as a source. Its answer's own [n] markers pointed at that turn's sources, so they
 * are removed rather than left to be confused with this answer's numbering.
 */
function turnNote(turn: SessionTurn, session: ChatSession, ageIndex: number): ContextNote {
  const answer = turn.answer.replace(/\s?\[\s*\d+(?:\s*[-–,;]\s*\d+)*\s*\]/g, '');
  return {
    kind: 'turn',
    uri: turn.uri ?? `chat:${session.id ?? 'local'}/turn-${session.turns.length - ageIndex}`,
    title: ageIndex === 0 ? 'Previous turn of this conversation' : 'Earlier turn of this conversation',
    text: `User: ${turn.question}\nAssistant: ${answer}`,
    score: 1,
  };
}

/** The follow-up as a standalone question, or null when no language model can rewrite it. */
async function condense(app: CairnApp, question: string, history: readonly ChatTurn[], signal: AbortSignal | undefined): Promise<string | null> {
  const model = await app.languageModel();
  if (model === null) return null;
  try {
    const result = await model.generate({
      messages: condenseQuestionPrompt(question, history), maxTokens: CONDENSE_MAX_TOKENS, temperature: 0, ...(signal ? { signal } : {}),
    });
    const text = result.text.trim().replace(/^(standalone question:\s*)/i, '').replace(/^["'“]|["'”]$/g, '').trim();
    return text.length > 0 ? text : null;
  } catch (error) {
    const failure = toCairnError(error);
    if (failure.code === 'ABORTED') throw failure;
    app.notice(`Could not rewrite the follow-up (${failure.message}); searching with the previous question added.`);
    return null;
  }
}
