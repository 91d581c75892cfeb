import type { IngestEvent } from '../ingest/ingest-events.js';
import { bar } from './progress-bar.js';

/** Rates and the ETA are measured over this trailing window, so a slow start does not skew them for long. */
const WINDOW_MS = 10_000;
/** No ETA before this many files: the first files include model loading and warm-up. */
const MIN_FILES_FOR_ETA = 3;

/**
 * The ingest progress line of the CLI: files done out of the planned total (when `plan` events
 * came), files/s and chunks/s over the last ten seconds, and the time left at that rate:
 * `[######------------------] 120/1500 files · 35 files/s · 410 chunks/s · ETA 39 s · 2 skipped`.
 * Files are done when ingested, unchanged or skipped. Times are milliseconds from `now`.
 */
export class IngestProgress {
  #total: number | null = null;
  #done = 0;
  #skipped = 0;
  #unchanged = 0;
  #chunks = 0;
  readonly #samples: Array<{ at: number; done: number; chunks: number }> = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Returns true when the event changed what the line shows. */
  onEvent(event: IngestEvent): boolean {
    switch (event.type) {
      case 'plan':
        this.#total = (this.#total ?? 0) + event.files + event.skipped;
        return true;
      case 'file':
        this.#done += 1;
        this.#chunks += event.chunks;
        if (event.outcome === 'unchanged') this.#unchanged += 1;
        break;
      case 'skipped':
        this.#done += 1;
        this.#skipped += 1;
        break;
      default:
        return false;
    }
    const at = this.now();
    this.#samples.push({ at, done: this.#done, chunks: this.#chunks });
    while (this.#samples.length > 2 && at - (this.#samples[1] as { at: number }).at >= WINDOW_MS) this.#samples.shift();
    return true;
  }

  line(): string {
    const parts: string[] = [];
    const total = this.#total !== null && this.#total >= this.#done ? this.#total : null;
    parts.push(total === null ? `${this.#done} files` : `${bar(total === 0 ? 1 : this.#done / total)} ${this.#done}/${total} files`);
    const rate = this.#rate();
    if (rate !== null) {
      parts.push(`${formatRate(rate.files)} files/s`, `${formatRate(rate.chunks)} chunks/s`);
      if (total !== null && this.#done >= MIN_FILES_FOR_ETA && rate.files > 0 && total > this.#done) parts.push(`ETA ${formatDuration((total - this.#done) / rate.files)}`);
    }
    if (this.#unchanged > 0) parts.push(`${this.#unchanged} unchanged`);
    if (this.#skipped > 0) parts.push(`${this.#skipped} skipped`);
    return parts.join(' · ');
  }

  #rate(): { files: number; chunks: number } | null {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined || last === first) return null;
    const seconds = (last.at - first.at) / 1000;
    if (seconds <= 0) return null;
    return { files: (last.done - first.done) / seconds, chunks: (last.chunks - first.chunks) / seconds };
  }
}

function formatRate(value: number): string {
  return value >= 10 ? String(Math.round(value)) : value.toFixed(1);
}

/** `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}
