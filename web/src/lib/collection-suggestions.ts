/** Levenshtein distance with transpositions (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * The existing collections to offer for a name that matches none, likeliest first: names within a
 * typo's reach (an edit per four characters, at least one), then names that contain it or start
 * like it; when nothing is close, every name (up to `max`), so a person can always pick one.
 */
export function suggestCollections(name: string, existing: readonly string[], max = 5): string[] {
  const typed = name.trim().toLowerCase();
  const budget = Math.max(1, Math.floor(typed.length / 4));
  const scored = existing
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const distance = editDistance(typed, lower);
      const related = lower.includes(typed) || typed.includes(lower) || (typed.length >= 2 && lower.startsWith(typed.slice(0, 2)));
      return { candidate, distance, close: distance <= budget || related };
    })
    .filter((entry) => entry.close)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate));
  const picked = scored.length > 0 ? scored.map((entry) => entry.candidate) : [...existing].sort((a, b) => a.localeCompare(b));
  return picked.slice(0, max);
}
