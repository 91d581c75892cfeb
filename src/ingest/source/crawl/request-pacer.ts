import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Spaces the starts of requests to one origin by at least an interval (the crawl's delay, raised by
 * the site's `Crawl-delay`). Callers take turns in the order they call `wait`. How many requests
 * run at once is bounded by the crawler, not here.
 */
export class RequestPacer {
  readonly #defaultIntervalMs: number;
  readonly #intervals = new Map<string, number>();
  readonly #next = new Map<string, number>();

  constructor(defaultIntervalMs: number) {
    this.#defaultIntervalMs = Math.max(0, defaultIntervalMs);
  }

  /** Sets the least interval between two requests to `origin` (never below the default). */
  setInterval(origin: string, intervalMs: number): void {
    this.#intervals.set(origin, Math.max(this.#defaultIntervalMs, intervalMs));
  }

  intervalOf(origin: string): number {
    return this.#intervals.get(origin) ?? this.#defaultIntervalMs;
  }

  /** Resolves when a request to `origin` may start. */
  async wait(origin: string, signal?: AbortSignal): Promise<void> {
    const interval = this.intervalOf(origin);
    const now = Date.now();
    const at = Math.max(now, this.#next.get(origin) ?? 0);
    this.#next.set(origin, at + interval);
    if (at > now) await sleep(at - now, undefined, signal === undefined ? undefined : { signal });
  }
}
