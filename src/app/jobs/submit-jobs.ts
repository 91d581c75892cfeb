import { fileURLToPath } from 'node:url';
import { CairnError } from '../../core/cairn-error.js';
import { assertPublicGitUrl, assertPublicHttpUrl, resolveAllowedPath } from '../../ingest/source/source-guards.js';
import { redact } from '../../ingest/source/clone-url.js';
import type { StoredJob } from '../../stores/job-store.js';
import type { CairnApp } from '../cairn-app.js';
import { assertCrawlWithinLimits } from '../crawl-settings.js';
import { showDocument } from '../documents.js';
import type { JobListInput, SourceJobInput } from './job-input-schemas.js';
import type { JobRunner } from './job-runner.js';

/**
 * Use case: queue a server-side path (inside `sources.allowedDirs`), a git URL or a web site to
 * crawl (public hosts unless `sources.allowPrivateNetworks`) for ingestion. Checks happen here, before the job exists,
 * so a refused source is a 4xx answer and never a failed job.
 */
export async function submitSourceJob(app: CairnApp, runner: JobRunner, input: SourceJobInput): Promise<StoredJob> {
  const options = { ...(input.tags ? { tags: input.tags } : {}), ...(input.prune === undefined ? {} : { prune: input.prune }) };
  if (input.crawl !== undefined) {
    const { url, ...crawl } = input.crawl;
    assertCrawlWithinLimits(app.config, crawl);
    // The start page is checked now (a 4xx answer); every later request and redirect hop is checked as it is made.
    await assertPublicHttpUrl(url, app.config.sources.allowPrivateNetworks);
    return runner.submit({ collection: input.collection, kind: 'crawl', sources: [url], inputs: [url], options: { ...options, crawl } });
  }
  if (input.path !== undefined) {
    const real = await resolveAllowedPath(input.path, app.config.sources.allowedDirs);
    return runner.submit({ collection: input.collection, kind: 'path', sources: [input.path], inputs: [real], options });
  }
  const url = input.git!;
  await assertPublicGitUrl(url, app.config.sources.allowPrivateNetworks);
  return runner.submit({ collection: input.collection, kind: 'git', sources: [redact(url)], inputs: [url], options });
}

/**
 * Use case: ingest one stored document again from its source, even when it looks unchanged.
 * `file://` documents are read from their path, git documents from their repository (only that
 * file is taken), crawled pages fetched again. Uploaded documents have no source left on the server.
 */
export async function submitReingestJob(app: CairnApp, runner: JobRunner, collection: string, ref: string): Promise<StoredJob> {
  const { document } = await showDocument(app, collection, ref);
  const uri = document.uri;
  let input: string;
  if (uri.startsWith('file://')) {
    input = fileURLToPath(uri);
  } else if (uri.startsWith('git+')) {
    const repository = uri.slice('git+'.length, uri.indexOf('#') < 0 ? undefined : uri.indexOf('#'));
    input = repository.startsWith('file://') ? fileURLToPath(repository) : repository;
  } else if (/^https?:\/\//.test(uri)) {
    // A crawled page: fetched again alone (robots.txt and the address guard apply), under the root of its crawl.
    const crawled = document.metadata.crawl as { url?: unknown } | undefined;
    const page = typeof crawled?.url === 'string' ? crawled.url : uri;
    await assertPublicHttpUrl(page, app.config.sources.allowPrivateNetworks);
    return runner.submit({ collection, kind: 'reingest', sources: [uri], inputs: [document.sourceRoot], options: { force: true, onlyUris: [uri], crawl: { urls: [page] } } });
  } else {
    throw new CairnError('INPUT_INVALID', `The document ${uri} was uploaded; the server keeps no copy of its file.`, {
      hint: 'Upload the file again: it replaces the document with the same name.',
    });
  }
  return runner.submit({ collection, kind: 'reingest', sources: [uri], inputs: [input], options: { force: true, onlyUris: [uri] } });
}

export async function listJobs(runner: JobRunner, input: JobListInput): Promise<{ items: StoredJob[]; nextCursor: string | null }> {
  return runner.store.list({
    limit: input.limit,
    ...(input.status ? { status: input.status } : {}),
    ...(input.collection ? { collection: input.collection } : {}),
    ...(input.cursor ? { cursor: input.cursor } : {}),
  });
}
