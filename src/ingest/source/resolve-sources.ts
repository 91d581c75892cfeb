import type { Stats } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CairnError } from '../../core/cairn-error.js';
import type { SourceItem } from '../../core/source-item.js';
import { hasCloneScheme, isScpLike, parseCloneUrl } from './clone-url.js';
import { resolveCrawl } from './crawl/resolve-crawl.js';
import type { CrawlSettings } from './crawl/site-crawler.js';
import { extensionOf } from './file-kinds.js';
import { checkoutRemote, headCommit, type GitOptions } from './git-checkout.js';
import { walkDirectory, type WalkSkip } from './walk-directory.js';

/** What the user typed: a file, a directory, a local git work tree, or a clone URL (optionally `#ref`). */
export interface SourceSpec {
  input: string;
}

/** A path that was found but not turned into an item, with its reason. */
export interface SkippedFile {
  /** For the user: the absolute path for local sources, the document URI for cloned ones. */
  path: string;
  /** The URI the file would have had as a document. */
  uri: string;
  /** An ErrorCode: PARSE_TOO_LARGE, PARSE_UNSUPPORTED or SOURCE_UNREADABLE. */
  code: string;
  reason: string;
}

export interface ResolvedSource {
  /** Display root, equal to every item's `sourceRoot`: an absolute path, the clone URL without credentials, or a crawl's start URL. */
  root: string;
  kind: 'file' | 'directory' | 'git' | 'crawl';
  /** Re-iterable; each iteration walks again and refills `skipped`. */
  items: AsyncIterable<SourceItem>;
  git?: { repository: string; commit: string };
  /** Releases what the source holds. Clones stay in the cache (the next run fetches into them). */
  cleanup(): Promise<void>;
  /**
   * Filled while `items` is iterated: files over the size limit, files of unsupported types and
   * unreadable paths. Ignored paths, skipped directories and binary files are left out silently.
   */
  skipped: SkippedFile[];
  /** Filled while `items` is iterated: what the user should know about the run (a crawl's discovery, its cut-off). */
  notices?: string[];
  /**
   * For sources that may not see everything they hold (a crawl cut by --max-pages, pages failing for
   * a while); called after `items` was iterated. `complete`: every document of the root that was
   * not seen is gone except `keep`; otherwise only `gone` are. Absent: complete, nothing kept (a walk
   * sees everything).
   */
  pruneScope?(): PruneScope;
}

/** See ResolvedSource.pruneScope. */
export interface PruneScope {
  complete: boolean;
  keep: ReadonlySet<string>;
  gone: ReadonlySet<string>;
}

/** The skip reason of a file reached through a symbolic link that leads out of its source (code SOURCE_UNREADABLE). */
export const LINK_LEADS_OUT = 'a symbolic link that leads out of the source is not followed';

export interface SourceOptions {
  /** Where clones are kept between runs: `<home>/cache/git`. */
  cacheDir: string;
  /** From the parser registry. */
  isSupported: (extension: string, fileName: string) => boolean;
  maxFileBytes: number;
  signal?: AbortSignal;
  /** git binary; default `git`. */
  git?: string;
  /** Base for relative inputs; default the process's working directory. */
  cwd?: string;
  /**
   * Gives the files of a directory source the URIs `<rootUri><relative path>` (segments
   * percent-encoded) and `rootUri` as their root, instead of `file://` URIs of where they lie now.
   * Uploads use `upload://`, so uploading a file again updates its document wherever it was stored.
   */
  rootUri?: string;
  /**
   * Files of a walked directory or repository whose real path (symbolic links resolved) leaves it
   * are passed over as SOURCE_UNREADABLE. For sources named by remote callers: a cloned repository
   * or an allowed directory may hold a link to a file elsewhere on the server.
   */
  confineToRoot?: boolean;
  /** Turns http(s) inputs into crawls of web sites instead of git clones. */
  crawl?: CrawlSettings;
  /** Where crawls keep what they learnt between runs: `<home>/cache/crawl`. */
  crawlDir?: string;
  /** The collection's documents by URI, so a crawl sends conditional requests only for pages whose document is still stored. */
  knownDocuments?: ReadonlyMap<string, { contentHash: string; sizeBytes: number; modifiedMs: number }>;
  /** Everything is read again: a crawl sends no conditional request. */
  force?: boolean;
}

/**
 * Turns one user input into a source. Order of interpretation: with `crawl`, an http(s) URL is a
 * web site to crawl; a URL with a clone scheme is always a remote; otherwise an existing path wins; otherwise an scp-like `user@host:path` is a
 * remote. A directory with a `.git` entry is a git source (its HEAD commit is recorded on every
 * item; uncommitted changes are read as they are on disk).
 *
 * URIs: `file://<abs path>` for files and directories; `git+<repository>#<path-in-repo>` for git
 * sources, where `<repository>` is the clone URL without credentials (or `file://<work tree>` for a
 * local one) and the path's segments are percent-encoded. A `#ref` does not enter the URI: one
 * collection holds one version of a repository, and ingesting another ref updates its documents.
 */
export async function resolveSource(spec: SourceSpec, options: SourceOptions): Promise<ResolvedSource> {
  const input = spec.input.trim();
  if (input === '') {
    throw new CairnError('INPUT_INVALID', 'An empty source was given.', { hint: 'Name a file, a directory or a git clone URL.' });
  }
  if (options.crawl !== undefined && /^https?:\/\//i.test(input)) return resolveCrawl(input, options.crawl, options);
  const gitOptions: GitOptions = { ...(options.git === undefined ? {} : { git: options.git }), ...(options.signal === undefined ? {} : { signal: options.signal }) };
  if (hasCloneScheme(input)) return resolveRemote(input, options, gitOptions);

  const absolute = resolve(options.cwd ?? process.cwd(), input);
  let stats: Stats;
  try {
    stats = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (isScpLike(input)) return resolveRemote(input, options, gitOptions);
      throw new CairnError('SOURCE_NOT_FOUND', `No file or directory at ${absolute}.`, {
        cause: error,
        hint: 'Check the path, or give a git clone URL (https://host/org/repo.git, git@host:org/repo.git).',
      });
    }
    throw new CairnError('SOURCE_UNREADABLE', `Cannot read ${absolute}: ${(error as Error).message}`, {
      cause: error,
      hint: 'Check the permissions of the path.',
    });
  }
  const root = await realpath(absolute);
  if (stats.isFile()) return resolveFile(root, stats, options);
  if (!stats.isDirectory()) {
    throw new CairnError('INPUT_INVALID', `${absolute} is neither a file nor a directory.`, { hint: 'Name a regular file or a directory.' });
  }
  const hasGit = await stat(join(root, '.git')).then(() => true, () => false);
  if (hasGit) {
    const commit = await headCommit(root, gitOptions);
    if (commit !== null) {
      const repository = pathToFileURL(root).href;
      const exclude = await readFile(join(root, '.git', 'info', 'exclude'), 'utf8').then((text) => [text], () => []);
      return walkedSource(root, root, 'git', { repository, commit }, exclude, options);
    }
  }
  if (options.rootUri !== undefined) return walkedSource(options.rootUri, root, 'directory', undefined, [], options);
  return walkedSource(root, root, 'directory', undefined, [], options);
}

async function resolveRemote(input: string, options: SourceOptions, gitOptions: GitOptions): Promise<ResolvedSource> {
  const remote = parseCloneUrl(input);
  const { directory, commit } = await checkoutRemote(remote, options.cacheDir, gitOptions);
  return walkedSource(remote.repository, directory, 'git', { repository: remote.repository, commit }, [], options);
}

function resolveFile(path: string, stats: Stats, options: SourceOptions): ResolvedSource {
  const skipped: SkippedFile[] = [];
  const uri = pathToFileURL(path).href;
  const name = basename(path);
  // A file named explicitly is always handed on (its parser reports an unsupported type), but the
  // size limit still holds.
  const items: SourceItem[] = [];
  if (stats.size > options.maxFileBytes) {
    skipped.push({ path, uri, code: 'PARSE_TOO_LARGE', reason: `${stats.size} bytes is over the ${options.maxFileBytes}-byte limit (ingest.maxFileBytes)` });
  } else {
    items.push({ uri, relativePath: name, absolutePath: path, extension: extensionOf(name), sizeBytes: stats.size, modifiedMs: stats.mtimeMs, sourceRoot: path });
  }
  return { root: path, kind: 'file', items: fromArray(items), skipped, cleanup: async () => {} };
}

function walkedSource(
  root: string,
  directory: string,
  kind: 'directory' | 'git',
  git: { repository: string; commit: string } | undefined,
  rootRuleTexts: string[],
  options: SourceOptions,
): ResolvedSource {
  const skipped: SkippedFile[] = [];
  const rootUri = options.rootUri;
  const uriOf = git !== undefined
    ? (_absolutePath: string, relativePath: string) => `git+${git.repository}#${encodePath(relativePath)}`
    : rootUri !== undefined
      ? (_absolutePath: string, relativePath: string) => `${rootUri}${encodePath(relativePath)}`
      : (absolutePath: string) => pathToFileURL(absolutePath).href;
  const remote = root !== directory;
  const onSkip = (skip: WalkSkip) => {
    const uri = uriOf(skip.absolutePath, skip.relativePath);
    skipped.push({ path: remote ? uri : skip.absolutePath, uri, code: skip.code, reason: skip.reason });
  };
  const items: AsyncIterable<SourceItem> = {
    async *[Symbol.asyncIterator]() {
      skipped.length = 0;
      const walk = walkDirectory(directory, {
        isSupported: options.isSupported,
        maxFileBytes: options.maxFileBytes,
        onSkip,
        rootRuleTexts,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const confinedTo = options.confineToRoot ? await realpath(directory) : null;
      for await (const file of walk) {
        if (confinedTo !== null && !(await staysInside(file.absolutePath, confinedTo))) {
          onSkip({ absolutePath: file.absolutePath, relativePath: file.relativePath, code: 'SOURCE_UNREADABLE', reason: LINK_LEADS_OUT });
          continue;
        }
        yield {
          uri: uriOf(file.absolutePath, file.relativePath),
          relativePath: file.relativePath,
          absolutePath: file.absolutePath,
          extension: file.extension,
          sizeBytes: file.sizeBytes,
          modifiedMs: file.modifiedMs,
          sourceRoot: root,
          ...(git === undefined ? {} : { git: { repository: git.repository, commit: git.commit } }),
        };
      }
    },
  };
  return { root, kind, items, skipped, ...(git === undefined ? {} : { git }), cleanup: async () => {} };
}

async function staysInside(path: string, root: string): Promise<boolean> {
  const real = await realpath(path).catch(() => null);
  if (real === null) return false;
  const rel = relative(root, real);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Percent-encodes each `/`-separated segment, so `#`, `?`, `%` and spaces in names stay unambiguous. */
function encodePath(relativePath: string): string {
  return relativePath.split('/').map(encodeURIComponent).join('/');
}

function fromArray<T>(values: T[]): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* values;
    },
  };
}
