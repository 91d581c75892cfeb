import type { Citation } from '../../core/answer-types.js';

/**
 * Bracketed citation groups in an answer: `[1]`, `[1][2]` (two groups), `[1, 2]`, `[1-3]`, `[1–3]`,
 * `[1, 3-4]`. Anything else in brackets (`[note]`, `[a-1]`) is not a citation.
 */
const GROUP = /\[\s*(\d+(?:\s*[-–]\s*\d+)?(?:\s*[,;]\s*\d+(?:\s*[-–]\s*\d+)?)*)\s*\]/g;

/** Ranges wider than this are treated as typos, not citations of every source in between. */
const MAX_RANGE = 50;

/** Source numbers cited in `text`, in order of first use, without duplicates. */
export function citedNumbers(text: string): number[] {
  const seen = new Set<number>();
  for (const match of text.matchAll(GROUP)) {
    for (const item of (match[1] ?? '').split(/[,;]/)) {
      const [from, to] = item.split(/[-–]/).map((value) => Number.parseInt(value.trim(), 10));
      if (from === undefined || Number.isNaN(from)) continue;
      const end = to === undefined || Number.isNaN(to) ? from : to;
      if (end < from || end - from > MAX_RANGE) continue;
      for (let n = from; n <= end; n++) seen.add(n);
    }
  }
  return [...seen];
}

/**
 * The citations whose [n] the answer uses, ordered by n. Numbers with no source (an invented [9])
 * are ignored.
 */
export function extractCitations(answerText: string, citations: readonly Citation[]): Citation[] {
  const used = new Set(citedNumbers(answerText));
  return citations.filter((citation) => used.has(citation.n)).sort((a, b) => a.n - b.n);
}
