/**
 * Live decode speed of a streamed answer, counted on the client while the stream runs: one
 * `text-delta` is one token (OpenAI-compatible servers stream a token per chunk). Like the server's
 * `tokens_per_second`, the first token is left out: the rate is (deltas - 1) over the time from the
 * first delta to the latest, so time to first token does not dilute it. The server's figure from
 * `finish` replaces this one when the answer ends.
 */
export interface TokenMeter {
  /** Records one delta at `atMs` (default: the meter's clock). */
  add(atMs?: number): void;
  readonly tokens: number;
  /** Tokens per second, or null before two deltas (or when they share one instant). */
  readonly tokensPerSecond: number | null;
  /** Milliseconds from `start` to the first delta, or null before it. */
  readonly firstTokenMs: number | null;
}

export function createTokenMeter(now: () => number = () => performance.now(), startMs: number = now()): TokenMeter {
  let tokens = 0;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  return {
    add(atMs = now()) {
      tokens += 1;
      if (firstMs === null) firstMs = atMs;
      lastMs = atMs;
    },
    get tokens() {
      return tokens;
    },
    get tokensPerSecond() {
      if (tokens < 2 || firstMs === null || lastMs === null || lastMs <= firstMs) return null;
      return ((tokens - 1) * 1000) / (lastMs - firstMs);
    },
    get firstTokenMs() {
      return firstMs === null ? null : firstMs - startMs;
    },
  };
}
