/**
 * The mixed run of bench/http-load.ts: concurrent loops that each pick, request after request, a
 * lexical or hybrid search, a streamed answer (against the stand-in LLM server) or an upload, for a
 * fixed time; the server's RSS is sampled every 30 s. Answers count as failed on a 5xx or a dropped
 * connection, not on an `error` event inside the stream (those are counted apart).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { seededRandom } from '../src/core/seeded-random.js';
import { latencyStats, listFiles, round } from './bench-support.js';
import { rssMiB } from './http-load-support.js';

export interface MixedOptions {
  url: string;
  headers: Record<string, string>;
  minutes: number;
  connections: number;
  lexical: string;
  hybrid: string;
  queries: string[];
  uploadSource: string;
  pid: number;
}

type Kind = 'search-lexical' | 'search-hybrid' | 'ask' | 'upload';

/** Share of each kind of request, in order; the rest of [0, 1) after the last is `upload`. */
const MIX: [Kind, number][] = [['search-lexical', 0.45], ['search-hybrid', 0.3], ['ask', 0.2], ['upload', 0.05]];
const UPLOAD_COLLECTION = 'mixed-uploads';

export async function runMixed(options: MixedOptions) {
  const random = seededRandom(20261121);
  const files = listFiles(options.uploadSource).filter((path) => /\.(md|mdx|txt|rst)$/i.test(path));
  const deadline = performance.now() + options.minutes * 60_000;
  const started = performance.now();
  const byKind = new Map<Kind, { latencies: number[]; statuses: Record<string, number>; streamErrors: number }>();
  let transportErrors = 0;
  let uploadsSkipped: string | undefined;
  let next = 0;
  const rssSamples: { minute: number; rssMiB: number }[] = [{ minute: 0, rssMiB: rssMiB(options.pid) }];
  const sampler = setInterval(() => rssSamples.push({ minute: round((performance.now() - started) / 60_000, 2), rssMiB: rssMiB(options.pid) }), 30_000);

  const pick = (): Kind => {
    let roll = random();
    for (const [kind, share] of MIX) {
      if (kind === 'upload' && uploadsSkipped) continue;
      roll -= share;
      if (roll < 0) return kind;
    }
    return 'search-lexical';
  };

  const once = async (kind: Kind): Promise<void> => {
    const query = options.queries[next++ % options.queries.length]!;
    const entry = byKind.get(kind) ?? { latencies: [], statuses: {}, streamErrors: 0 };
    byKind.set(kind, entry);
    const begin = performance.now();
    let response: Response;
    try {
      if (kind === 'ask') {
        response = await fetch(`${options.url}/v1/ask`, {
          method: 'POST', headers: { ...options.headers, 'content-type': 'application/json' },
          body: JSON.stringify({ question: query, collection: options.lexical, stream: true }),
        });
        const text = await response.text();
        if (/^event: error$/m.test(text)) entry.streamErrors += 1;
      } else if (kind === 'upload') {
        const path = files[Math.floor(random() * files.length)]!;
        const form = new FormData();
        form.append('file', new Blob([readFileSync(join(options.uploadSource, path))]), basename(path));
        response = await fetch(`${options.url}/v1/collections/${UPLOAD_COLLECTION}/documents`, { method: 'POST', headers: options.headers, body: form });
        const text = await response.text();
        if (response.status === 404 && /No route/.test(text)) uploadsSkipped = 'the server has no POST /v1/collections/:name/documents route yet';
      } else {
        const mode = kind === 'search-lexical' ? 'lexical' : 'hybrid';
        const collection = mode === 'lexical' ? options.lexical : options.hybrid;
        response = await fetch(`${options.url}/v1/search?${new URLSearchParams({ q: query, collection, mode, k: '10' })}`, { headers: options.headers });
        await response.arrayBuffer();
      }
    } catch {
      transportErrors += 1;
      return;
    }
    entry.latencies.push(performance.now() - begin);
    entry.statuses[response.status] = (entry.statuses[response.status] ?? 0) + 1;
  };

  try {
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (performance.now() < deadline) await once(pick());
      }),
    );
  } finally {
    clearInterval(sampler);
  }
  rssSamples.push({ minute: round((performance.now() - started) / 60_000, 2), rssMiB: rssMiB(options.pid) });
  const half = rssSamples.find((sample) => sample.minute >= options.minutes / 2) ?? rssSamples[0]!;
  const last = rssSamples.at(-1)!;
  const summary = Object.fromEntries(
    [...byKind].map(([kind, entry]) => {
      const stats = latencyStats(entry.latencies);
      return [kind, { requests: entry.latencies.length, statuses: entry.statuses, streamErrors: entry.streamErrors, p50Ms: round(stats.p50, 1), p99Ms: round(stats.p99, 1) }];
    }),
  );
  const serverErrors = [...byKind.values()].reduce((sum, entry) => sum + Object.entries(entry.statuses).filter(([status]) => Number(status) >= 500).reduce((s, [, n]) => s + n, 0), 0);
  return {
    minutes: options.minutes,
    connections: options.connections,
    byKind: summary,
    serverErrors,
    transportErrors,
    ...(uploadsSkipped ? { uploadsSkipped } : {}),
    rssSamples,
    rssGrowthSecondHalfMiB: round(last.rssMiB - half.rssMiB, 1),
  };
}
