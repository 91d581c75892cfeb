import type { ChatMessage } from '../../models/generate/language-model.js';

/** A finished exchange of a chat session, given back to the model as context for a follow-up. */
export interface ChatTurn {
  question: string;
  answer: string;
}

export interface GroundedPromptInput {
  question: string;
  /** The numbered sources as rendered by buildContext (`[n] title — uri …`); empty when none were found. */
  sourcesText: string;
  /** Earlier turns, oldest first; the caller decides how many are recent enough to keep. */
  history?: readonly ChatTurn[];
}

/**
 * The rules the model answers under. Kept short: small local models follow a few plain rules
 * better than a long list. The exact wording "do not contain the answer" lets callers and tests
 * recognise a refusal.
 */
export const GROUNDED_SYSTEM_PROMPT = [
  'You answer questions using only the numbered sources provided in the user message.',
  'Rules:',
  '- Use only facts stated in the sources. Do not use outside knowledge.',
  '- Cite the sources you use as [n] right after each sentence they support, for example: "Backups run nightly [2]." Cite several as [2][4].',
  '- Cite only source numbers that appear in the sources. Never invent sources, numbers, titles or URLs.',
  '- If the sources do not contain the answer, say plainly that the sources do not contain the answer, and stop.',
  '- Answer in the language of the question. Be concise.',
].join('\n');

/** System + (recent turns) + user message with the sources and the question. */
export function groundedPrompt(input: GroundedPromptInput): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: GROUNDED_SYSTEM_PROMPT }];
  for (const turn of input.history ?? []) {
    messages.push({ role: 'user', content: turn.question });
    messages.push({ role: 'assistant', content: turn.answer });
  }
  const sources = input.sourcesText.trim().length > 0 ? input.sourcesText : '(no sources were found for this question)';
  messages.push({ role: 'user', content: `Sources:\n\n${sources}\n\nQuestion: ${input.question}` });
  return messages;
}

/**
 * A short non-streaming prompt that rewrites a follow-up into a question that stands on its own
 * (for retrieval), given the recent turns.
 */
export function condenseQuestionPrompt(question: string, history: readonly ChatTurn[]): ChatMessage[] {
  const transcript = history
    .map((turn) => `User: ${turn.question}\nAssistant: ${truncate(turn.answer, 600)}`)
    .join('\n');
  return [
    {
      role: 'system',
      content:
        'Rewrite the last user message of the conversation as one standalone question that can be understood without the conversation. ' +
        'Keep its language. Reply with the question only, no preamble.',
    },
    { role: 'user', content: `Conversation:\n${transcript}\n\nLast user message: ${question}\n\nStandalone question:` },
  ];
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}…`;
}
