/** One archive as retention sees it. */
export interface RetentionCandidate {
  name: string;
  createdAt: Date;
  /** Orders archives of the same second (higher: newer); default 1. */
  sequence?: number;
}

export interface RetentionRule {
  /** The newest N archives are kept. */
  keepLast: number;
  /** For each of the D most recent UTC days that have archives, the newest archive of that day is kept. */
  keepDaily: number;
}

/**
 * Which archives a rule keeps: an archive is kept when either part keeps it (the restic/borg reading
 * of keep-last and keep-daily). Days are UTC calendar days, counted among days that have archives, so
 * a week without backups does not expire the last good ones. Answers the names kept, newest first,
 * and those to delete.
 */
export function applyRetention(candidates: readonly RetentionCandidate[], rule: RetentionRule): { keep: string[]; remove: string[] } {
  const newestFirst = [...candidates].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (b.sequence ?? 1) - (a.sequence ?? 1));
  const kept = new Set<string>(newestFirst.slice(0, Math.max(0, rule.keepLast)).map((c) => c.name));
  const days = new Set<string>();
  for (const candidate of newestFirst) {
    const day = candidate.createdAt.toISOString().slice(0, 10);
    if (days.has(day)) continue;
    if (days.size >= rule.keepDaily) break;
    days.add(day);
    kept.add(candidate.name);
  }
  return {
    keep: newestFirst.filter((c) => kept.has(c.name)).map((c) => c.name),
    remove: newestFirst.filter((c) => !kept.has(c.name)).map((c) => c.name),
  };
}
