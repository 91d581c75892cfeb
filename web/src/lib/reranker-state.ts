import type { Readiness } from '../api/types.js';

/**
 * What the status page says of the reranker of `/readyz`: `ok` true (green), false (red) or null
 * (neutral). `state` is the server's word when it sends one (`unavailable` means it failed to load).
 */
export function rerankerState(reranker: NonNullable<Readiness['reranker']>): { ok: boolean | null; text: string } {
  if (!reranker.enabled || reranker.state === 'off') return { ok: null, text: 'off' };
  if (reranker.loaded || reranker.state === 'loaded') return { ok: true, text: 'loaded' };
  if (reranker.state === 'unavailable') return { ok: false, text: 'unavailable' };
  if (reranker.state === 'loading') return { ok: null, text: 'loading' };
  return { ok: null, text: 'loads on first use' };
}
