import type { DownloadProgress } from '../models/model-files/download-progress.js';

/**
 * A one-line progress display on a TTY stream, redrawn at most every 100 ms. On a non-TTY stream it
 * draws nothing (logs and pipes stay clean); the final summary is printed by the command.
 */
export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {}

  update(text: string, force = false): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(20, (this.stream.columns ?? 100) - 1);
    this.stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

const downloadLines = new WeakMap<object, ProgressLine>();

export function renderDownloadProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }, event: DownloadProgress): void {
  let line = downloadLines.get(stream);
  if (!line) {
    line = new ProgressLine(stream);
    downloadLines.set(stream, line);
  }
  if (event.done) {
    line.done();
    stream.write(`downloaded ${event.modelId}/${event.file}\n`);
    return;
  }
  const fraction = event.totalBytes ? event.loadedBytes / event.totalBytes : 0;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  line.update(`downloading ${event.modelId}/${event.file} ${bar(fraction)} ${mb(event.loadedBytes)}${event.totalBytes ? `/${mb(event.totalBytes)}` : ''} MB`);
}
