import type { CairnConfig } from '../config/config-schema.js';
import { parseEmbedderSpec } from '../models/embed/parse-embedder-spec.js';
import { apiKeyFor, type EndpointCredential } from '../models/endpoint-credentials.js';
import { parseRerankerSpec } from '../models/rerank/parse-reranker-spec.js';

/**
 * Every bearer token of the configuration, each bound to the base URL(s) it was configured for:
 * `models.credentials` as listed, then CAIRN_EMBEDDER_API_KEY (`models.openaiApiKey`) for the `openai:`
 * base URL of `embedder` and `memory.embedder`, CAIRN_RERANKER_API_KEY for the `http:` reranker's and
 * CAIRN_LLM_API_KEY for each of `llm.urls`. A key whose setting names no such URL is bound to nothing and
 * never sent: not to a collection's other embedder, not to a discovered LLM server.
 */
export function modelCredentials(config: CairnConfig): EndpointCredential[] {
  const credentials: EndpointCredential[] = config.models.credentials.map((entry) => ({ url: entry.url, apiKey: entry.apiKey }));
  const embedderKey = config.models.openaiApiKey;
  if (embedderKey) {
    for (const spec of [config.embedder, config.memory.embedder]) {
      const url = spec === undefined ? undefined : embedderBaseUrl(spec);
      if (url) credentials.push({ url, apiKey: embedderKey });
    }
  }
  const rerankerKey = config.rerank.apiKey;
  if (rerankerKey) {
    const url = rerankerBaseUrl(config.rerank.reranker);
    if (url) credentials.push({ url, apiKey: rerankerKey });
  }
  const llmKey = config.llm.apiKey;
  if (llmKey) for (const url of config.llm.urls) credentials.push({ url, apiKey: llmKey });
  return credentials;
}

/**
 * What to tell the operator once when the `openai:` embedder `spec` gets no key although
 * CAIRN_EMBEDDER_API_KEY is set (the key belongs to another base URL); null otherwise.
 */
export function unboundEmbedderKeyNotice(config: CairnConfig, credentials: readonly EndpointCredential[], spec: string): string | null {
  if (!config.models.openaiApiKey) return null;
  const url = embedderBaseUrl(spec);
  if (!url || apiKeyFor(url, credentials) !== undefined) return null;
  return (
    `Embedder ${spec} is called without an API key: CAIRN_EMBEDDER_API_KEY is sent only to the base URL of CAIRN_EMBEDDER. ` +
    `Add {"url": "${url}", "apiKey": "…"} to models.credentials if this server needs one.`
  );
}

function embedderBaseUrl(spec: string): string | undefined {
  try {
    const parsed = parseEmbedderSpec(spec);
    return parsed.kind === 'openai' ? parsed.baseUrl : undefined;
  } catch {
    return undefined;
  }
}

function rerankerBaseUrl(spec: string): string | undefined {
  try {
    const parsed = parseRerankerSpec(spec);
    return parsed.kind === 'http' ? parsed.baseUrl : undefined;
  } catch {
    return undefined;
  }
}
