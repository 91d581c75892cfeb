/**
 * Edit distance with adjacent transpositions (optimal string alignment, Damerau 1964): the number of
 * single-character insertions, deletions, substitutions and swaps of two neighbours that turn `a`
 * into `b`. O(|a|·|b|) time, O(|b|) memory.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (beforePrevious[j - 2] as number) + 1);
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The candidate a mistyped `name` most likely meant, or undefined when none is close: case-insensitive
 * equality first, then the smallest edit distance within a third of the name's length (at least 1,
 * at most 3), then a candidate that the name is a prefix of (3 characters at least, `fast` →
 * `fastapi-docs`). Ties go to the candidate listed first.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  const exact = candidates.find((candidate) => candidate.toLowerCase() === wanted);
  if (exact !== undefined) return exact;
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return best;
  if (wanted.length < 3) return undefined;
  return candidates.find((candidate) => candidate.toLowerCase().startsWith(wanted));
}
