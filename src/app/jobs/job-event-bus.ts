import type { JobEvent } from '../../stores/job-store.js';

export type JobEventListener = (event: JobEvent) => void;

/**
 * In-process fan-out of stored job events to live SSE clients. Events are published after they are
 * stored, so a client that subscribes first and then replays from the store misses nothing; it
 * drops what it already replayed by `seq` (or `id`). A listener that throws is removed.
 */
export class JobEventBus {
  readonly #listeners = new Set<JobEventListener>();

  /** Answers the function that unsubscribes; call it when the client goes away. */
  subscribe(listener: JobEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  publish(events: JobEvent[]): void {
    for (const event of events) {
      for (const listener of [...this.#listeners]) {
        try {
          listener(event);
        } catch {
          this.#listeners.delete(listener);
        }
      }
    }
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
