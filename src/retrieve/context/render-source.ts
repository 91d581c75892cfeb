import type { Citation } from '../../core/answer-types.js';

/**
 * One numbered source as the model reads it: a header line naming the source so the model can cite
 * it, then its text.
 *
 *   [2] Ingress — docs/ingress.md (Networking › TLS, lines 10–42)
 *   <text>
 */
export function renderSource(citation: Pick<Citation, 'n' | 'title' | 'sourceUri' | 'headingPath' | 'pageStart' | 'pageEnd' | 'lineStart' | 'lineEnd' | 'text'>): string {
  return `${sourceHeader(citation)}\n${citation.text}`;
}

export function sourceHeader(citation: Pick<Citation, 'n' | 'title' | 'sourceUri' | 'headingPath' | 'pageStart' | 'pageEnd' | 'lineStart' | 'lineEnd'>): string {
  const where = sourceLocation(citation);
  return `[${citation.n}] ${citation.title} — ${citation.sourceUri}${where ? ` (${where})` : ''}`;
}

/** `Heading › Sub, pp. 3–4` or `lines 10–42`; empty when nothing is known. */
export function sourceLocation(citation: Pick<Citation, 'headingPath' | 'pageStart' | 'pageEnd' | 'lineStart' | 'lineEnd'>): string {
  const parts: string[] = [];
  if (citation.headingPath.length > 0) parts.push(citation.headingPath.join(' › '));
  if (citation.pageStart !== undefined) {
    const end = citation.pageEnd ?? citation.pageStart;
    parts.push(end !== citation.pageStart ? `pp. ${citation.pageStart}–${end}` : `p. ${citation.pageStart}`);
  }
  if (citation.lineStart !== undefined) {
    const end = citation.lineEnd ?? citation.lineStart;
    parts.push(end !== citation.lineStart ? `lines ${citation.lineStart}–${end}` : `line ${citation.lineStart}`);
  }
  return parts.join(', ');
}
