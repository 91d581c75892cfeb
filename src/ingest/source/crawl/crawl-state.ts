import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** What a crawl learnt about one requested URL, for the next crawl of the same root. */
export interface CrawlPageRecord {
  /** The document the URL produced (its canonical URL, or the URL that answered). */
  uri: string;
  /** sha256 hex of the bytes handed to the parser: the stored document's content hash when it is still the same. */
  hash: string;
  etag?: string;
  lastModified?: string;
  /** Same-origin links of the page, normalised. */
  links?: string[];
}

/** On disk: gzip of this JSON; URLs are written once in `urls` and referred to by index (navigation repeats the same links on every page). */
interface StoredState {
  version: 1;
  root: string;
  urls: string[];
  /** [url index, uri, hash, etag, lastModified, link indexes] */
  pages: Array<[number, string, string, string | null, string | null, number[] | null]>;
}

/** `<dir>/<host>-<sha256 of the root, 16 hex>.json.gz`: one file per crawl root. */
export function crawlStatePath(dir: string, root: string): string {
  const host = new URL(root).host.replace(/[^a-z0-9.-]+/gi, '_');
  return join(dir, `${host}-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.json.gz`);
}

/**
 * The records of the last crawl of a root, by requested URL; empty when there is none or it cannot
 * be read (the crawl then sends no conditional request, which is only slower). The file is a cache:
 * a record is used only while the stored document it names still has its hash.
 */
export async function loadCrawlState(path: string, root: string): Promise<Map<string, CrawlPageRecord>> {
  const records = new Map<string, CrawlPageRecord>();
  let state: StoredState;
  try {
    state = JSON.parse((await gunzipAsync(await readFile(path))).toString('utf8')) as StoredState;
  } catch {
    return records;
  }
  if (state.version !== 1 || state.root !== root || !Array.isArray(state.urls) || !Array.isArray(state.pages)) return records;
  for (const [urlIndex, uri, hash, etag, lastModified, links] of state.pages) {
    const url = state.urls[urlIndex];
    if (url === undefined) continue;
    records.set(url, {
      uri,
      hash,
      ...(etag === null ? {} : { etag }),
      ...(lastModified === null ? {} : { lastModified }),
      ...(links === null ? {} : { links: links.map((index) => state.urls[index]).filter((link): link is string => link !== undefined) }),
    });
  }
  return records;
}

/** Writes the records atomically (a temporary file renamed over the old one). */
export async function saveCrawlState(path: string, root: string, records: ReadonlyMap<string, CrawlPageRecord>): Promise<void> {
  const urls: string[] = [];
  const indexes = new Map<string, number>();
  const indexOf = (url: string) => {
    let index = indexes.get(url);
    if (index === undefined) {
      index = urls.length;
      urls.push(url);
      indexes.set(url, index);
    }
    return index;
  };
  const pages: StoredState['pages'] = [];
  for (const [url, record] of records) {
    pages.push([indexOf(url), record.uri, record.hash, record.etag ?? null, record.lastModified ?? null, record.links === undefined ? null : record.links.map(indexOf)]);
  }
  const state: StoredState = { version: 1, root, urls, pages };
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, await gzipAsync(JSON.stringify(state)));
  await rename(temporary, path);
}
