import type { AnswerPart } from '../core/answer-types.js';
import { toCairnError } from '../core/cairn-error.js';
import { condenseQuestionPrompt, type ChatTurn } from '../answer/prompt/grounded-prompt.js';
import { ask } from './ask.js';
import type { CairnApp } from './cairn-app.js';
import type { AskInput } from './input-schemas.js';

/** A conversation kept in memory by the adapter (the CLI REPL); the memory service persists them later. */
export interface ChatSession {
  turns: ChatTurn[];
}

/** Turns given to the model with a follow-up, and used to condense it: older ones fall out. */
export const CHAT_HISTORY_TURNS = 4;
/** Longest standalone question the condense step may produce, in model tokens. */
const CONDENSE_MAX_TOKENS = 128;

export function createChatSession(): ChatSession {
  return { turns: [] };
}

/**
 * Use case: one turn of a chat. A follow-up is rewritten into a standalone question for retrieval by
 * the language model (one short non-streaming call) when one is configured, otherwise retrieval uses
 * the previous question together with the new one. The answer sees the recent turns. The turn is
 * added to the session once its `finish` part has been produced.
 */
export async function* chatTurn(
  app: CairnApp,
  session: ChatSession,
  input: AskInput,
  options: { signal?: AbortSignal } = {},
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
  for await (const part of ask(app, input, {
    history: recent, notices, ...(retrievalQuery ? { retrievalQuery } : {}), ...(options.signal ? { signal: options.signal } : {}),
  })) {
    if (part.type === 'finish') answer = part.answer;
    yield part;
  }
  if (answer !== undefined) session.turns.push({ question: input.question, answer });
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
