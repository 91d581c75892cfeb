import type { Citation } from '../../core/answer-types.js';
import type { TokenCounter } from '../../models/tokenize/token-counter.js';
import { estimateLlmTokens } from './build-context.js';
import { renderSource, sourceHeader } from './render-source.js';

/**
 * A source that is not a chunk of the collection: a long-term memory or an earlier turn of the chat.
 * Given to the model numbered like the chunks and cited with its own `kind`, so a UI can mark it.
 */
export interface ContextNote {
  kind: 'memory' | 'turn';
  /** `memory:<id>` or `chat:<sessionId>/<messageId>`: what the citation's sourceUri says. */
  uri: string;
  title: string;
  text: string;
  /** Relevance in [0, 1] for memories; 1 for turns. */
  score: number;
}

export interface FittedNotes {
  /** The notes that fit, in the order given. */
  kept: ContextNote[];
  /** Estimated language-model tokens of the kept notes once rendered (with their headers). */
  usedTokens: number;
}

/** Tokens charged per note for the line break after its header and the blank line after it. */
const SEPARATOR_TOKENS = 2;
/** Header cost is estimated with a two-digit number; the real one is given by noteCitations. */
const ESTIMATE_NUMBER = 10;

/**
 * Pure: keeps notes in the order given (callers put the most important first) while they fit
 * `budgetTokens`, skipping one that does not. Notes are short by nature, so one that does not fit
 * whole is left out rather than cut.
 */
export function fitNotes(notes: readonly ContextNote[], options: { tokenizer: TokenCounter; budgetTokens: number }): FittedNotes {
  let remaining = options.budgetTokens;
  const kept: ContextNote[] = [];
  for (const note of notes) {
    const cost = estimateLlmTokens(options.tokenizer, sourceHeader(noteCitation(note, ESTIMATE_NUMBER))) +
      estimateLlmTokens(options.tokenizer, note.text) + SEPARATOR_TOKENS;
    if (cost > remaining) continue;
    remaining -= cost;
    kept.push(note);
  }
  return { kept, usedTokens: options.budgetTokens - remaining };
}

/** Citations of the notes numbered from `firstNumber`, and their rendered text for the prompt. */
export function noteCitations(notes: readonly ContextNote[], firstNumber: number): { citations: Citation[]; promptText: string } {
  const citations = notes.map((note, index) => noteCitation(note, firstNumber + index));
  return { citations, promptText: citations.map(renderSource).join('\n\n') };
}

function noteCitation(note: ContextNote, n: number): Citation {
  return { n, kind: note.kind, chunkIds: [], sourceUri: note.uri, title: note.title, headingPath: [], text: note.text, score: note.score };
}
