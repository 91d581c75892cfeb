import { apiKeyFor, type EndpointCredential } from '../endpoint-credentials.js';
import { DEFAULT_DISCOVER_PORTS, discoverLocalServer } from './discover-local-server.js';
import type { LanguageModel } from './language-model.js';
import { listModels } from './list-models.js';
import { createOpenAiChatModel } from './openai-chat-model.js';

export interface LanguageModelSettings {
  urls: string[];
  model?: string;
  /**
   * Bearer tokens by base URL (built from `llm.apiKey` + `llm.urls` and `models.credentials`): each
   * request carries the one covering its endpoint, so a discovered server gets no key unless one is bound to it.
   */
  credentials?: readonly EndpointCredential[];
  discover: boolean;
  contextWindow: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  retries: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  fetch?: typeof fetch;
  /** Ports probed on 127.0.0.1 when no URL is configured. Default [11434, 8080, 8000, 1234]. */
  discoverPorts?: number[];
  /** Told once, in words for the user, when discovery picked a server. */
  onNotice?: (text: string) => void;
}

/**
 * The language model the settings describe; null when no URL is configured and discovery finds nothing
 * (or is off): the caller answers extractively.
 *
 * With URLs configured this never fails for an unreachable server (the answer falls back at request
 * time). When the model is not named, `GET <base>/models` is asked here, trying the endpoints in order,
 * and the first id is used; when none answers, the model asks again on its first request.
 */
export async function resolveLanguageModel(settings: LanguageModelSettings): Promise<LanguageModel | null> {
  const common = {
    contextWindow: settings.contextWindow,
    connectTimeoutMs: settings.connectTimeoutMs,
    idleTimeoutMs: settings.idleTimeoutMs,
    retries: settings.retries,
    breakerFailures: settings.breakerFailures,
    breakerCooldownMs: settings.breakerCooldownMs,
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  };

  if (settings.urls.length > 0) {
    let model = settings.model;
    const urls = [...settings.urls];
    for (const [index, url] of settings.urls.entries()) {
      if (model) break;
      try {
        const apiKey = apiKeyFor(url, settings.credentials);
        const list = await listModels({
          baseUrl: url,
          timeoutMs: settings.connectTimeoutMs,
          ...(apiKey ? { apiKey } : {}),
          ...(settings.fetch ? { fetch: settings.fetch } : {}),
        });
        model = list.ids[0];
        urls[index] = list.baseUrl;
      } catch {
        // this endpoint is down or lists nothing; the next one may answer, or the first request will ask again
      }
    }
    return createOpenAiChatModel({ ...common, urls, ...(model ? { model } : {}) });
  }

  if (!settings.discover) return null;
  const found = await discoverLocalServer({
    ports: settings.discoverPorts ?? DEFAULT_DISCOVER_PORTS,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  });
  if (!found) return null;
  const model = settings.model ?? found.models[0] ?? '';
  settings.onNotice?.(
    `Using the LLM server found at ${found.url} (model ${model}); set CAIRN_LLM_URL to choose, CAIRN_LLM_DISCOVER=0 to stop looking.`,
  );
  return createOpenAiChatModel({ ...common, urls: [found.url], model });
}
