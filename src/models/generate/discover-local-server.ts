import { listModels } from './list-models.js';

/** The usual local ports: Ollama, llama.cpp server, vLLM, LM Studio. */
export const DEFAULT_DISCOVER_PORTS: readonly number[] = [11434, 8080, 8000, 1234];

export interface DiscoverOptions {
  ports?: readonly number[];
  /** Per probe; all probes run in parallel. Default 300 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export interface DiscoveredServer {
  /** `http://127.0.0.1:<port>/v1` */
  url: string;
  port: number;
  models: string[];
}

/**
 * Probes `http://127.0.0.1:<port>/v1/models` on every port at once and returns the first server, in the
 * order of `ports`, that answers with an OpenAI model list naming at least one model; null when none does.
 * Never throws for a port that is closed, slow or serves something else.
 */
export async function discoverLocalServer(options: DiscoverOptions = {}): Promise<DiscoveredServer | null> {
  const ports = options.ports ?? DEFAULT_DISCOVER_PORTS;
  const timeoutMs = options.timeoutMs ?? 300;
  const probes = ports.map(async (port): Promise<DiscoveredServer | null> => {
    try {
      const list = await listModels({
        baseUrl: `http://127.0.0.1:${port}/v1`,
        timeoutMs,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return list.ids.length > 0 ? { url: list.baseUrl, port, models: list.ids } : null;
    } catch {
      return null;
    }
  });
  const results = await Promise.all(probes);
  return results.find((result) => result !== null) ?? null;
}
