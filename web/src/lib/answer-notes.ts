/** One notice of an answer as the chat shows it: the server's text, a few words for the compact line. */
export interface AnswerNote {
  text: string;
  short: string;
  /**
   * A condition of the server or collection that holds until someone changes it (no reranker, no
   * vectors): said once per browser session, not on every answer. Per-answer notes (the condensed
   * query, a failure of this answer) are always shown.
   */
  stable: boolean;
}

const RULES: { pattern: RegExp; short: (match: RegExpExecArray) => string; stable: boolean }[] = [
  { pattern: /^No reranker\b/i, short: () => 'no reranker', stable: true },
  { pattern: /has no vectors/i, short: () => 'searched lexically (no vectors)', stable: true },
  { pattern: /^No embedding model is loaded/i, short: () => 'searched lexically (no embedding model)', stable: true },
  { pattern: /^Searched for: (.*)$/s, short: (m) => `searched for “${clip(m[1] ?? '', 50)}”`, stable: false },
  { pattern: /^Reranking failed/i, short: () => 'reranking failed', stable: false },
  { pattern: /^Dense search is unavailable/i, short: () => 'dense search unavailable', stable: false },
  { pattern: /^Memories were left out/i, short: () => 'memories left out', stable: false },
  { pattern: /no searchable words/i, short: () => 'no searchable words', stable: false },
  { pattern: /Answering with the most relevant passages instead\.$/i, short: () => 'language model unreachable', stable: false },
];

function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

export function classifyNotice(text: string): AnswerNote {
  for (const rule of RULES) {
    const match = rule.pattern.exec(text);
    if (match) return { text, short: rule.short(match), stable: rule.stable };
  }
  return { text, short: clip(text.split(/(?<=\.)\s/)[0] ?? text, 60), stable: false };
}

/** The explanation behind the "Extractive answer" label, in browser terms. */
export const EXTRACTIVE_EXPLANATION =
  'No language model is configured or reachable, so this answer quotes the best matching passages instead of writing a reply. ' +
  'An administrator can connect one; Settings → Models and endpoints shows its state.';

export interface NotesLine {
  /** The compact line: "Extractive answer · no reranker · searched for “…”". */
  summary: string;
  /** The full texts, shown when the line is expanded. */
  details: string[];
}

/**
 * The notes line of each answer of a conversation, oldest first. A stable condition shows on the
 * first answer that reports it and on no later one; `seenBefore` holds the stable conditions already
 * shown earlier in this browser session (by their short text), which are not repeated at all. Null
 * for an answer with nothing to say.
 */
export function notesLines(answers: readonly { notices: readonly string[]; extractive: boolean }[], seenBefore: ReadonlySet<string>): (NotesLine | null)[] {
  const seen = new Set(seenBefore);
  return answers.map((answer) => {
    const notes: AnswerNote[] = [];
    for (const note of answer.notices.map(classifyNotice)) {
      if (note.stable && seen.has(note.short)) continue;
      if (notes.some((known) => known.short === note.short)) continue;
      notes.push(note);
    }
    for (const note of notes) if (note.stable) seen.add(note.short);
    const labels = [...(answer.extractive ? ['extractive answer'] : []), ...notes.map((note) => note.short)];
    if (labels.length === 0) return null;
    const summary = labels.join(' · ');
    return {
      summary: summary.charAt(0).toUpperCase() + summary.slice(1),
      details: [...(answer.extractive ? [EXTRACTIVE_EXPLANATION] : []), ...notes.map((note) => note.text)],
    };
  });
}

/** The stable conditions the lines of `answers` show, to remember for the rest of the browser session. */
export function stableConditions(answers: readonly { notices: readonly string[] }[]): string[] {
  return [...new Set(answers.flatMap((answer) => answer.notices.map(classifyNotice).filter((note) => note.stable).map((note) => note.short)))];
}
