import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import type { DownloadProgress } from './download-progress.js';

export interface DownloadFileOptions {
  url: string;
  destination: string;
  modelId: string;
  /** Path inside the model folder, reported in progress events. */
  file: string;
  fetch: typeof fetch;
  stallTimeoutMs: number;
  onProgress?: (event: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** 'missing' when the server answers 404 (lets callers skip optional files). */
export type DownloadOutcome = 'downloaded' | 'missing';

/**
 * Streams `url` into `destination` through a temporary file renamed at the end, so an interrupted
 * download never leaves a truncated file under the final name. Aborts when no byte arrives for
 * `stallTimeoutMs` (a dead mirror must not hang ingest).
 */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadOutcome> {
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const armStallTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, options.stallTimeoutMs);
  };
  const temporary = `${options.destination}.part-${process.pid}-${Date.now()}`;
  try {
    armStallTimer();
    const response = await options.fetch(options.url, { signal: controller.signal, redirect: 'follow' });
    if (response.status === 404) {
      await response.body?.cancel();
      return 'missing';
    }
    if (!response.ok || !response.body) {
      const excerpt = (await response.text().catch(() => '')).slice(0, 200);
      throw new CairnError('UPSTREAM_FAILED', `Downloading ${options.url} failed with HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}.`, {
        hint: 'Check the model id and HF_ENDPOINT, or put the model under CAIRN_MODELS_DIR.',
        retryable: response.status >= 500 || response.status === 429,
        details: { status: response.status, url: options.url },
      });
    }
    const lengthHeader = response.headers.get('content-length');
    const totalBytes = lengthHeader !== null && Number.isFinite(Number(lengthHeader)) ? Number(lengthHeader) : undefined;
    await mkdir(dirname(options.destination), { recursive: true });
    const out = createWriteStream(temporary);
    let loadedBytes = 0;
    try {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        armStallTimer();
        loadedBytes += value.byteLength;
        if (!out.write(value)) await new Promise<void>((resolve) => out.once('drain', resolve));
        options.onProgress?.({ modelId: options.modelId, file: options.file, loadedBytes, totalBytes, done: false });
      }
    } finally {
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    }
    if (totalBytes !== undefined && loadedBytes !== totalBytes) {
      throw new CairnError('UPSTREAM_FAILED', `Download of ${options.url} ended after ${loadedBytes} of ${totalBytes} bytes.`, {
        hint: 'Run `cairn models pull` again.',
        retryable: true,
      });
    }
    await rename(temporary, options.destination);
    options.onProgress?.({ modelId: options.modelId, file: options.file, loadedBytes, totalBytes, done: true });
    return 'downloaded';
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof CairnError) throw error;
    if (options.signal?.aborted) {
      throw new CairnError('ABORTED', `Download of ${options.file} was cancelled.`, { cause: error });
    }
    const reason = stalled
      ? `no data for ${options.stallTimeoutMs} ms`
      : error instanceof Error
        ? describeNetworkError(error)
        : String(error);
    throw new CairnError('UPSTREAM_FAILED', `Could not download ${options.url}: ${reason}.`, {
      cause: error,
      hint: 'Check the network or HF_ENDPOINT, or copy the model into CAIRN_MODELS_DIR.',
      retryable: true,
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** fetch hides the useful part (ENOTFOUND, ECONNREFUSED) in `cause`. */
function describeNetworkError(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ? `${error.message} (${cause.message})` : error.message;
}
