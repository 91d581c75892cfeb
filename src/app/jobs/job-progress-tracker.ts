import type { IngestEvent } from '../../ingest/ingest-events.js';
import { UPLOAD_URI_PREFIX } from './upload-receiver.js';
import { emptyProgress, JOB_ERRORS_KEPT, type FileOutcomeName, type JobEventData, type JobFileError, type JobProgress } from '../../stores/job-store.js';

/** Codes of files passed over on purpose (type, size, a site's robots.txt), as opposed to files that failed. */
const SKIP_CODES = new Set(['PARSE_UNSUPPORTED', 'PARSE_TOO_LARGE', 'ROBOTS_DISALLOWED']);
/** Rates are measured over this trailing window. */
const RATE_WINDOW_MS = 5_000;

/**
 * Where an earlier run of the same job stopped (a crash or a shutdown): its stored `file` events, from
 * which its counters and errors are recounted (they are stored together, so a crash between a progress
 * update and its events cannot count a file twice or not at all), and its planned total.
 */
export interface ResumedProgress {
  filesTotal: number | null;
  files: Extract<JobEventData, { type: 'file' }>[];
}

interface Sample {
  at: number;
  chunks: number;
  embedded: number;
}

/**
 * Turns the IngestEvents of one run into job progress and `file` events. Events wait in a buffer
 * until `drain`, which the runner calls a few times a second: that is what throttles `progress`
 * events (one per drain at most) while every `file` event is kept. Times are milliseconds from
 * `now()`.
 */
export class JobProgressTracker {
  readonly #jobId: string;
  readonly #now: () => number;
  readonly #progress: JobProgress = emptyProgress();
  readonly #errors: JobFileError[] = [];
  readonly #started: number;
  #pending: JobEventData[] = [];
  #changed = true;
  #embedded = 0;
  #samples: Sample[] = [];
  readonly #seen = new Set<string>();
  /** Files an earlier run of the job already counted: seen again, they are not counted (nor reported) twice. */
  readonly #counted: Set<string>;
  /** chunksDone when this run started (the whole-run rate counts from there). */
  readonly #chunksAtStart: number;
  /** Whether this run planned yet: its first plan replaces an earlier run's total rather than adding to it. */
  #planned = false;

  /**
   * `resumed`: the job ran before (a crash or a shutdown stopped it); its counters continue from where
   * they were and the files it counted are not counted again when the new run meets them.
   */
  constructor(jobId: string, now: () => number = () => performance.now(), resumed?: ResumedProgress) {
    this.#jobId = jobId;
    this.#now = now;
    this.#started = now();
    this.#counted = new Set();
    for (const event of resumed?.files ?? []) {
      if (this.#counted.has(event.file)) continue;
      this.#counted.add(event.file);
      if (event.outcome === 'ingested' || event.outcome === 'unchanged') {
        this.#progress.filesDone += 1;
        this.#progress.chunksDone += event.chunks ?? 0;
        continue;
      }
      if (event.outcome === 'skipped') this.#progress.filesSkipped += 1;
      else this.#progress.filesFailed += 1;
      this.#errors.push({ file: event.file, code: event.code ?? 'INTERNAL', reason: event.reason ?? '' });
    }
    this.#errors.splice(0, Math.max(0, this.#errors.length - JOB_ERRORS_KEPT));
    if (resumed !== undefined) this.#progress.filesTotal = resumed.filesTotal;
    this.#chunksAtStart = this.#progress.chunksDone;
    this.#samples.push({ at: this.#started, chunks: this.#chunksAtStart, embedded: 0 });
  }

  get progress(): JobProgress {
    return { ...this.#progress };
  }

  get errors(): JobFileError[] {
    return [...this.#errors];
  }

  /**
   * Uploaded files the run said nothing about (the walk passes over binary types, hidden files and
   * ignore-file matches silently) are reported as skipped, so every uploaded file gets an outcome.
   */
  reportUnseen(names: string[]): void {
    for (const name of names) {
      if (!this.#seen.has(name)) this.#skip(name, 'PARSE_UNSUPPORTED', 'not a document Cairn reads (binary, hidden or ignored file)');
    }
  }

  /** After a run that went through all its sources: the total is what was counted. */
  markComplete(): void {
    this.#progress.filesTotal = this.#progress.filesDone + this.#progress.filesFailed + this.#progress.filesSkipped;
    this.#changed = true;
  }

  onIngestEvent(event: IngestEvent): void {
    switch (event.type) {
      case 'plan':
        this.#progress.filesTotal = (this.#planned ? (this.#progress.filesTotal ?? 0) : 0) + event.files + event.skipped;
        this.#planned = true;
        break;
      case 'file':
        if (this.#countedBefore(event.relativePath)) return;
        this.#progress.filesDone += 1;
        this.#progress.chunksDone += event.chunks;
        this.#file(event.relativePath, event.outcome === 'unchanged' ? 'unchanged' : 'ingested', { chunks: event.chunks });
        break;
      case 'skipped': {
        const name = uploadName(event.uri) ?? event.relativePath;
        if (this.#countedBefore(name)) return;
        this.#skip(name, event.code, event.reason);
        break;
      }
      case 'batch':
        this.#embedded += event.embedded;
        break;
      case 'embedder':
        this.#progress.device = event.device;
        this.#progress.embedder = event.id;
        break;
      default:
        return;
    }
    this.#changed = true;
  }

  /**
   * Takes the buffered events, followed by one `progress` event when anything changed since the
   * last drain. `final` reports whole-run average rates and sets `chunksTotal`.
   */
  drain(final = false): { events: JobEventData[]; changed: boolean } {
    const now = this.#now();
    this.#samples.push({ at: now, chunks: this.#progress.chunksDone, embedded: this.#embedded });
    while (this.#samples.length > 2 && now - this.#samples[1]!.at >= RATE_WINDOW_MS) this.#samples.shift();
    const from = final ? { at: this.#started, chunks: this.#chunksAtStart, embedded: 0 } : this.#samples[0]!;
    const seconds = (now - from.at) / 1000;
    if (seconds > 0) {
      const chunksPerSecond = round((this.#progress.chunksDone - from.chunks) / seconds);
      const embeddingsPerSecond = round((this.#embedded - from.embedded) / seconds);
      if (chunksPerSecond !== this.#progress.chunksPerSecond || embeddingsPerSecond !== this.#progress.embeddingsPerSecond) this.#changed = true;
      this.#progress.chunksPerSecond = chunksPerSecond;
      this.#progress.embeddingsPerSecond = embeddingsPerSecond;
    }
    if (final) {
      this.#progress.elapsedMs = Math.round(now - this.#started);
      this.#progress.chunksTotal = this.#progress.chunksDone;
      const counted = this.#progress.filesDone + this.#progress.filesFailed + this.#progress.filesSkipped;
      if (this.#progress.filesTotal === null || this.#progress.filesTotal < counted) this.#progress.filesTotal = counted;
      this.#changed = true;
    }
    const events = this.#pending;
    this.#pending = [];
    const changed = this.#changed;
    if (changed) events.push({ type: 'progress', jobId: this.#jobId, progress: this.progress });
    this.#changed = false;
    return { events, changed };
  }

  #countedBefore(file: string): boolean {
    if (!this.#counted.has(file)) return false;
    this.#seen.add(file);
    return true;
  }

  #skip(file: string, code: string, reason: string): void {
    const outcome: FileOutcomeName = SKIP_CODES.has(code) ? 'skipped' : 'failed';
    if (outcome === 'skipped') this.#progress.filesSkipped += 1;
    else this.#progress.filesFailed += 1;
    this.#errors.push({ file, code, reason });
    if (this.#errors.length > JOB_ERRORS_KEPT) this.#errors.splice(0, this.#errors.length - JOB_ERRORS_KEPT);
    this.#file(file, outcome, { code, reason });
    this.#changed = true;
  }

  #file(file: string, outcome: FileOutcomeName, extra: { chunks?: number; code?: string; reason?: string }): void {
    this.#seen.add(file);
    this.#pending.push({ type: 'file', jobId: this.#jobId, file, outcome, ...extra });
  }
}

/** The relative name of an uploaded file from its `upload://` URI (segments are percent-encoded). */
function uploadName(uri: string): string | undefined {
  if (!uri.startsWith(UPLOAD_URI_PREFIX)) return undefined;
  try {
    return uri.slice(UPLOAD_URI_PREFIX.length).split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
