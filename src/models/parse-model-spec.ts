import type { CairnError } from '../core/cairn-error.js';

/** Builds the caller's INPUT_INVALID error (it names the setting and the accepted forms). */
type Invalid = (why: string) => CairnError;

/**
 * The common grammar of model settings (CAIRN_EMBEDDER, CAIRN_RERANKER): `none`, or `<kind>:<rest>`.
 * Answers null for `none`; throws `invalid` when there is no `kind:` prefix. The caller checks the kind.
 */
export function splitModelSpec(spec: string, invalid: Invalid): { kind: string; rest: string } | null {
  const trimmed = spec.trim();
  if (trimmed === 'none') return null;
  const colon = trimmed.indexOf(':');
  if (colon <= 0) throw invalid('it has no `kind:` prefix');
  return { kind: trimmed.slice(0, colon), rest: trimmed.slice(colon + 1).trim() };
}

/** An http(s) base URL of a model server, trailing slashes dropped; throws `invalid` otherwise. */
export function modelServerBaseUrl(raw: string, invalid: Invalid): string {
  const baseUrl = raw.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalid(`"${baseUrl}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('the base URL must be http or https');
  return baseUrl;
}
