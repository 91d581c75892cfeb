import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { JobRunner } from '../../app/jobs/job-runner.js';
import { FINISHED_STATUSES, publicJob, type JobEvent } from '../../stores/job-store.js';
import { openEventStream } from '../event-stream-response.js';

/** Heartbeat comment interval: keeps proxies from closing an idle stream. */
const PING_INTERVAL_MS = 15_000;
/** Events read from the store per query while replaying. */
const REPLAY_PAGE = 500;
/** A client this far behind is dropped; it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** Ends every open stream; the server calls it before closing so no stream holds shutdown up. */
export type StreamRegistry = Set<() => void>;

interface Stream {
  response: ServerResponse;
  ended: () => boolean;
  end: () => void;
}

function open(reply: FastifyReply, registry: StreamRegistry, onEnd: () => void): Stream {
  const response = openEventStream(reply);
  let ended = false;
  const ping = setInterval(() => {
    if (!ended) response.write(': ping\n\n');
  }, PING_INTERVAL_MS);
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(ping);
    registry.delete(end);
    response.off('close', end);
    onEnd();
    if (!response.writableEnded) response.end();
  };
  registry.add(end);
  response.on('close', end);
  return { response, ended: () => ended, end };
}

function write(stream: Stream, id: string | undefined, event: string, data: unknown): void {
  if (stream.ended()) return;
  stream.response.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  if (stream.response.writableLength > MAX_BUFFERED_BYTES) stream.end();
}

/** Parses `<jobId>:<seq>`; anything else (or another job's id) resumes from the start. */
export function seqFromLastEventId(header: string | undefined, jobId: string): number {
  if (!header) return 0;
  const at = header.lastIndexOf(':');
  if (at < 0 || header.slice(0, at) !== jobId) return 0;
  const seq = Number(header.slice(at + 1));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

/**
 * SSE of one job: a `snapshot` of the job, then its stored events after `afterSeq`, then live ones,
 * ending after the final `status` event. Subscribes before replaying and drops by `seq` what was
 * already sent, so no event falls between replay and live.
 */
export async function streamJobEvents(reply: FastifyReply, runner: JobRunner, jobId: string, afterSeq: number, registry: StreamRegistry): Promise<void> {
  const job = await runner.get(jobId);
  let live = false;
  const buffered: JobEvent[] = [];
  let unsubscribe = () => {};
  const stream = open(reply, registry, () => unsubscribe());
  let lastSeq = afterSeq;
  const send = (event: JobEvent) => {
    if (event.seq <= lastSeq) return;
    lastSeq = event.seq;
    write(stream, `${jobId}:${event.seq}`, event.data.type, event.data);
    if (event.data.type === 'status' && FINISHED_STATUSES.includes(event.data.status)) stream.end();
  };
  unsubscribe = runner.events.subscribe((event) => {
    if (event.jobId !== jobId) return;
    if (live) send(event);
    else buffered.push(event);
  });
  write(stream, undefined, 'snapshot', { type: 'snapshot', job: publicJob(job) });
  const replay = async () => {
    for (;;) {
      const page = await runner.store.eventsOf(jobId, lastSeq, REPLAY_PAGE);
      for (const event of page) send(event);
      if (page.length < REPLAY_PAGE || stream.ended()) return;
    }
  };
  await replay();
  live = true;
  for (const event of buffered.splice(0)) send(event);
  if (stream.ended()) return;
  // A finished job's final event is stored before its row says finished (see JobRunner).
  const now = await runner.store.get(jobId);
  if (now && FINISHED_STATUSES.includes(now.status)) {
    await replay();
    stream.end();
  }
}

/** SSE of every job's events (`id` is the global event id), from after `afterId` when given, else live only. */
export async function streamAllEvents(reply: FastifyReply, runner: JobRunner, afterId: number | undefined, registry: StreamRegistry): Promise<void> {
  let live = false;
  const buffered: JobEvent[] = [];
  let unsubscribe = () => {};
  const stream = open(reply, registry, () => unsubscribe());
  let lastId = afterId ?? 0;
  const send = (event: JobEvent) => {
    if (event.id <= lastId) return;
    lastId = event.id;
    write(stream, String(event.id), event.data.type, event.data);
  };
  unsubscribe = runner.events.subscribe((event) => {
    if (live) send(event);
    else buffered.push(event);
  });
  stream.response.write(': connected\n\n');
  if (afterId !== undefined) {
    for (;;) {
      const page = await runner.store.eventsAfter(lastId, REPLAY_PAGE);
      for (const event of page) send(event);
      if (page.length < REPLAY_PAGE || stream.ended()) break;
    }
  }
  live = true;
  for (const event of buffered.splice(0)) send(event);
}
