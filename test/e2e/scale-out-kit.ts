import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSseText, type ParsedSseEvent } from '../../src/testing/parse-sse-text.js';
import { until as untilValue } from '../../src/testing/until.js';

/** What the scale-out tests (scale-out.test.ts, scale-out-hosts.test.ts) share: the corpus, polling, SSE reading. */
export const FILES = 500;

export interface JobView {
  id: string;
  status: string;
  progress: { filesTotal: number | null; filesDone: number; filesFailed: number; filesSkipped: number };
  error: string | null;
}

/** `until` with the scale-out scenarios' bound: a job across processes, a lease expiry and a takeover. */
export const until = <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 240_000): Promise<T> => untilValue(check, what, timeoutMs);

/** Reads an SSE response until `stop` says so (then lets go of it) or the stream ends. */
export async function readEvents(response: Response, stop: (event: ParsedSseEvent) => boolean): Promise<ParsedSseEvent[]> {
  const events: ParsedSseEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const read = await reader.read();
    if (read.done) return events;
    buffer += decoder.decode(read.value, { stream: true });
    const end = buffer.lastIndexOf('\n\n');
    if (end < 0) continue;
    const complete = parseSseText(buffer.slice(0, end));
    buffer = buffer.slice(end + 2);
    for (const event of complete) {
      events.push(event);
      if (stop(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
}

export function writeCorpus(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < FILES; i += 1) {
    const body = Array.from({ length: 6 }, (_, p) => `## Part ${p}\n\nService ${i} rotates its key in vault ${i % 13}; step ${p} of the runbook for team ${i % 7}. ${'Operations text. '.repeat(25)}`).join('\n\n');
    writeFileSync(join(dir, `note-${String(i).padStart(4, '0')}.md`), `# Note ${i}\n\n${body}\n`);
  }
}

/** A worker's database cost per chunk: the `write` stage's seconds (its /metrics) over the chunks it wrote. */
export async function writeMsPerChunk(workerUrl: string): Promise<{ ms: number; chunks: number }> {
  const text = await (await fetch(`${workerUrl}/metrics`)).text();
  const seconds = Number(/cairn_ingest_stage_duration_seconds_sum\{[^}]*stage="write"[^}]*\} ([0-9.e+-]+)/.exec(text)?.[1] ?? Number.NaN);
  const chunks = Number(/cairn_ingest_chunks_total(?:\{[^}]*\})? ([0-9.e+-]+)/.exec(text)?.[1] ?? Number.NaN);
  return { ms: (seconds * 1000) / chunks, chunks };
}

/**
 * The job's status events: queued, run by the first worker, taken over (one more `running` per claim),
 * succeeded. More than one takeover is allowed: on a starved machine the survivor's heartbeat can miss
 * the test's 2 s lease, and it then stops and claims the job again (docs/scaling.md, lease length);
 * the counts, checked document by document, are what says nothing was stored twice.
 */
export function assertTakenOver(statuses: unknown[]): void {
  assert.equal(statuses[0], 'queued', JSON.stringify(statuses));
  assert.equal(statuses.at(-1), 'succeeded', JSON.stringify(statuses));
  const middle = statuses.slice(1, -1);
  assert.ok(middle.length >= 2 && middle.every((status) => status === 'running'), `run by the first worker, taken over by the second: ${JSON.stringify(statuses)}`);
}

/**
 * Uploads every file of `corpus` (sorted by name) in one multipart request to the `kb` collection,
 * as the web UI does, and opens the job's event stream; both answers are checked.
 */
export async function uploadCorpus(apiUrl: string, headers: Record<string, string>, corpus: string): Promise<{ job: JobView; stream: Response }> {
  const form = new FormData();
  for (const file of readdirSync(corpus).sort()) form.append('file', new Blob([readFileSync(join(corpus, file))]), file);
  const submitted = await fetch(`${apiUrl}/v1/collections/kb/documents`, { method: 'POST', headers, body: form });
  assert.equal(submitted.status, 202, await submitted.clone().text());
  const job = ((await submitted.json()) as { job: JobView }).job;
  const stream = await fetch(`${apiUrl}/v1/jobs/${job.id}/events`, { headers });
  assert.equal(stream.status, 200);
  return { job, stream };
}
