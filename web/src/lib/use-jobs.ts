import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../api/client.js';
import type { SseEvent } from '../api/sse-parser.js';
import type { Job, JobFileError, JobProgress, JobStatus } from '../api/types.js';

export interface RateSample {
  atMs: number;
  chunksPerSecond: number;
  embeddingsPerSecond: number;
}

export interface JobsState {
  /** Newest first. */
  jobs: Job[];
  /** Live rate samples per job id (latest 60). */
  samples: Record<string, RateSample[]>;
  /** Whether the `/v1/events` stream is connected; false means the list is polled. */
  live: boolean;
  error: unknown;
  refresh: () => Promise<void>;
  /** Cursor of the next page of older jobs, or null when the history is complete. */
  nextCursor: string | null;
  loadMore: () => Promise<void>;
  /** Adds a job the page just started, before its first event arrives. */
  track: (job: Job) => void;
}

const ACTIVE: ReadonlySet<JobStatus> = new Set(['queued', 'running']);
export const isActive = (job: Job): boolean => ACTIVE.has(job.status);

const SAMPLES = 60;

/** Applies one job event (the SSE `event:` names the type) to the job list. */
export function applyJobEvent(jobs: Job[], type: string, data: Record<string, unknown>): Job[] {
  if (type === 'snapshot' && data.job) return upsert(jobs, data.job as Job);
  const jobId = data.jobId as string | undefined;
  if (!jobId) return jobs;
  const index = jobs.findIndex((job) => job.id === jobId);
  if (index === -1) return jobs;
  const job = jobs[index] as Job;
  let next: Job = job;
  if (type === 'progress') next = { ...job, progress: data.progress as JobProgress, status: job.status === 'queued' ? 'running' : job.status };
  else if (type === 'status') next = { ...job, status: data.status as JobStatus, error: (data.error as string | null) ?? null, finishedAt: ACTIVE.has(data.status as JobStatus) ? job.finishedAt : new Date().toISOString() };
  else if (type === 'file' && data.outcome === 'failed') {
    const failure: JobFileError = { file: String(data.file), code: String(data.code ?? 'FAILED'), reason: String(data.reason ?? '') };
    next = { ...job, errors: [...job.errors, failure].slice(-100) };
  }
  return next === job ? jobs : jobs.map((candidate, i) => (i === index ? next : candidate));
}

const STAGE: Record<JobStatus, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

/**
 * Adds a job the page itself started (from the POST response). A fast job may already have been seen
 * further along through events or a refresh; that newer state is kept, never replaced by the older copy.
 */
export function trackJob(jobs: Job[], job: Job): Job[] {
  const known = jobs.find((candidate) => candidate.id === job.id);
  if (known !== undefined && STAGE[known.status] >= STAGE[job.status]) return jobs;
  return upsert(jobs, job);
}

function upsert(jobs: Job[], job: Job): Job[] {
  const index = jobs.findIndex((candidate) => candidate.id === job.id);
  if (index === -1) return [job, ...jobs];
  return jobs.map((candidate, i) => (i === index ? job : candidate));
}

/**
 * The ingestion jobs of the server, kept live for every page: the list from `GET /v1/jobs`, then
 * `GET /v1/events` (all jobs) with reconnect; while that stream is down and a job is active, the
 * list is polled every 3 s instead.
 */
export function useJobs(client: ApiClient | null): JobsState {
  const [jobs, setJobs] = useState<Job[]>([]);
  const [samples, setSamples] = useState<Record<string, RateSample[]>>({});
  const [live, setLive] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const jobsRef = useRef(jobs);
  jobsRef.current = jobs;
  /** Ids of older jobs fetched by `loadMore`, kept when the first page is refreshed. */
  const olderIds = useRef(new Set<string>());

  const refresh = useCallback(async () => {
    if (!client) return;
    try {
      const page = await client.jobs({ limit: 50 });
      setJobs((current) => {
        const known = new Map(page.items.map((job) => [job.id, job]));
        const extra = current.filter((job) => !known.has(job.id) && isActive(job));
        const older = current.filter((job) => !known.has(job.id) && !isActive(job) && olderIds.current.has(job.id));
        return [...extra, ...page.items, ...older];
      });
      if (olderIds.current.size === 0) setNextCursor(page.nextCursor);
      const now = Date.now();
      setSamples((current) => {
        const next = { ...current };
        for (const job of page.items.filter(isActive)) next[job.id] = [...(next[job.id] ?? []), { atMs: now, chunksPerSecond: job.progress.chunksPerSecond, embeddingsPerSecond: job.progress.embeddingsPerSecond }].slice(-SAMPLES);
        return next;
      });
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, [client]);

  const loadMore = useCallback(async () => {
    if (!client || !nextCursor) return;
    try {
      const page = await client.jobs({ limit: 50, cursor: nextCursor });
      for (const job of page.items) olderIds.current.add(job.id);
      setJobs((current) => [...current, ...page.items.filter((job) => !current.some((known) => known.id === job.id))]);
      setNextCursor(page.nextCursor);
    } catch (failure) {
      setError(failure);
    }
  }, [client, nextCursor]);

  const track = useCallback((job: Job) => setJobs((current) => trackJob(current, job)), []);

  useEffect(() => {
    if (!client) return;
    void refresh();
    const controller = new AbortController();
    const onEvent = (event: SseEvent) => {
      setLive(true);
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(event.data) as Record<string, unknown>;
      } catch {
        return;
      }
      const type = event.event === 'message' && typeof data.type === 'string' ? data.type : event.event;
      if (type === 'progress' && typeof data.jobId === 'string') {
        const progress = data.progress as JobProgress;
        const jobId = data.jobId;
        setSamples((current) => ({
          ...current,
          [jobId]: [...(current[jobId] ?? []), { atMs: Date.now(), chunksPerSecond: progress.chunksPerSecond, embeddingsPerSecond: progress.embeddingsPerSecond }].slice(-SAMPLES),
        }));
      }
      const before = jobsRef.current;
      const after = applyJobEvent(before, type, data);
      if (after === before && typeof data.jobId === 'string' && !before.some((job) => job.id === data.jobId)) void refresh();
      else setJobs(after);
      // A final status carries no progress: fetch the job list once more for the final counts.
      if (type === 'status' && !ACTIVE.has(data.status as JobStatus)) void refresh();
    };
    void client.followEvents(controller.signal, onEvent, () => setLive(false));
    return () => controller.abort();
  }, [client, refresh]);

  useEffect(() => {
    if (live || !jobs.some(isActive)) return;
    const timer = setInterval(() => void refresh(), 3000);
    return () => clearInterval(timer);
  }, [live, jobs, refresh]);

  return { jobs, samples, live, error, refresh, track, nextCursor, loadMore };
}
