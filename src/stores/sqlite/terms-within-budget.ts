/**
 * The terms a lexical query is scored with when scoring all of them would pass `budget` rows (FTS5) or
 * postings (the in-memory index): all of them when their document frequencies add up to at most the
 * budget; otherwise the rarest first, up to the budget, the rarest matching term always kept (common
 * terms add the least to a BM25 score and cost the most). Terms that match nothing are dropped then.
 */
export function termsWithinBudget(counted: readonly { term: string; frequency: number }[], budget: number): string[] {
  const total = counted.reduce((sum, item) => sum + item.frequency, 0);
  if (total <= budget) return counted.map((item) => item.term);
  const rarestFirst = [...counted].sort((a, b) => a.frequency - b.frequency);
  const kept: string[] = [];
  let scored = 0;
  for (const { term, frequency } of rarestFirst) {
    if (frequency === 0) continue;
    if (kept.length > 0 && scored + frequency > budget) break;
    kept.push(term);
    scored += frequency;
  }
  return kept;
}
