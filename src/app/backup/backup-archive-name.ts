/** Archives are named `cairn-backup-<UTC timestamp>[-<n>].tar.gz`; `-<n>` only when two share a second. */
const NAME = /^cairn-backup-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-(\d+))?\.tar\.gz$/;

/** `cairn-backup-20260107T020000Z.tar.gz` for 2026-01-07 02:00:00 UTC (`-2`, `-3`… for a taken name). */
export function archiveName(createdAt: Date, sequence = 1): string {
  const stamp = createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `cairn-backup-${stamp}${sequence > 1 ? `-${sequence}` : ''}.tar.gz`;
}

/** The creation time a name carries (to the second), or undefined for any other file name. */
export function parseArchiveName(name: string): Date | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Orders names of one second by their sequence number (`-2` after none). */
export function archiveSequence(name: string): number {
  return Number(NAME.exec(name)?.[7] ?? 1);
}
