import { statSync, type Dirent, type Stats } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import {
  BINARY_EXTENSIONS,
  SKIPPED_DIRECTORIES,
  SNIFF_BYTES,
  TRUSTED_EXTENSIONS,
  extensionOf,
  isVirtualEnvListing,
  looksBinary,
} from './file-kinds.js';
import { IGNORE_FILE_NAMES, IgnoreRules } from './ignore-rules.js';

/** A file a walk accepted: supported, not ignored, not binary, within the size limit. */
export interface WalkedFile {
  absolutePath: string;
  /** From the walk root, `/`-separated. */
  relativePath: string;
  /** Lower-case, without the dot; '' when the name has none. */
  extension: string;
  sizeBytes: number;
  modifiedMs: number;
}

/** A path the walk could not take, with the reason the user is told. */
export interface WalkSkip {
  absolutePath: string;
  relativePath: string;
  code: 'PARSE_TOO_LARGE' | 'PARSE_UNSUPPORTED' | 'SOURCE_UNREADABLE';
  reason: string;
}

export interface WalkOptions {
  /** From the parser registry: whether a file of this extension (or, for '' , this name) is read. */
  isSupported: (extension: string, fileName: string) => boolean;
  maxFileBytes: number;
  /** Called for every reported skip (too large, unsupported type, unreadable). */
  onSkip: (skip: WalkSkip) => void;
  signal?: AbortSignal;
  /** Rules that apply at the root before its own ignore files (e.g. `.git/info/exclude`). */
  rootRuleTexts?: string[];
  /** Case-insensitive ignore matching; default: true on macOS and Windows, false elsewhere. */
  ignoreCase?: boolean;
}

const IGNORE_FILE_NAME_SET: ReadonlySet<string> = new Set(IGNORE_FILE_NAMES);

interface PendingDirectory {
  absolutePath: string;
  relativePath: string;
  rules: IgnoreRules;
}

interface Candidate {
  absolutePath: string;
  relativePath: string;
  name: string;
  extension: string;
  /** Known already when the entry was a symbolic link (it had to be followed to learn its type). */
  stats?: Stats;
}

/**
 * Walks `root` depth-first in a deterministic order: in each directory its files first (sorted by
 * UTF-16 code units, locale-independent), then its subdirectories in the same order.
 *
 * Reads nothing but directory listings, ignore files and, for names whose type is unknown, the
 * first 8 KiB (see `looksBinary`). Silently skipped: entries matched by `.gitignore`/`.cairnignore`
 * at any level, `SKIPPED_DIRECTORIES`, virtual environments, known binary extensions, binary
 * content, the ignore files themselves, unsupported dotfiles, sockets and devices. Reported through `onSkip`: files over
 * `maxFileBytes`, other files of unsupported types, and paths that cannot be read.
 *
 * Symbolic links to files are followed. Symbolic links to directories are never followed: a
 * target inside the root is walked under its real path anyway, and one outside it would leave the
 * root (and could loop back into it).
 */
export async function* walkDirectory(root: string, options: WalkOptions): AsyncGenerator<WalkedFile> {
  const ignoreCase = options.ignoreCase ?? (process.platform === 'darwin' || process.platform === 'win32');
  let rootRules = IgnoreRules.empty(ignoreCase);
  if (options.rootRuleTexts !== undefined && options.rootRuleTexts.length > 0) {
    rootRules = rootRules.withLevel('', options.rootRuleTexts);
  }
  const stack: PendingDirectory[] = [{ absolutePath: root, relativePath: '', rules: rootRules }];

  while (stack.length > 0) {
    throwIfAborted(options.signal);
    const directory = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(directory.absolutePath, { withFileTypes: true });
    } catch (error) {
      options.onSkip(unreadable(directory.absolutePath, directory.relativePath, error));
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names = entries.map((entry) => entry.name);
    if (directory.relativePath !== '' && isVirtualEnvListing(names)) continue;

    const rules = await readIgnoreFiles(directory, entries, options.onSkip);
    const subdirectories: PendingDirectory[] = [];
    const candidates: Candidate[] = [];

    for (const entry of entries) {
      const name = entry.name;
      const relativePath = directory.relativePath === '' ? name : `${directory.relativePath}/${name}`;
      const absolutePath = join(directory.absolutePath, name);
      let linkStats: Stats | undefined;
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          linkStats = await stat(absolutePath);
        } catch (error) {
          options.onSkip(unreadable(absolutePath, relativePath, error));
          continue;
        }
        if (linkStats.isDirectory()) continue;
        isDirectory = false;
        isFile = linkStats.isFile();
      }
      if (isDirectory) {
        if (SKIPPED_DIRECTORIES.has(name) || rules.ignores(relativePath, true)) continue;
        subdirectories.push({ absolutePath, relativePath, rules });
        continue;
      }
      if (!isFile || IGNORE_FILE_NAME_SET.has(name) || rules.ignores(relativePath, false)) continue;
      const extension = extensionOf(name);
      if (BINARY_EXTENSIONS.has(extension)) continue;
      if (!options.isSupported(extension, name)) {
        if (!name.startsWith('.')) {
          options.onSkip({
            absolutePath,
            relativePath,
            code: 'PARSE_UNSUPPORTED',
            reason: extension === '' ? `no parser reads files named "${name}"` : `no parser reads .${extension} files`,
          });
        }
        continue;
      }
      candidates.push({ absolutePath, relativePath, name, extension, ...(linkStats === undefined ? {} : { stats: linkStats }) });
    }

    const checked = await Promise.all(candidates.map((candidate) => checkCandidate(candidate, options)));
    for (const file of checked) {
      if (file !== null) yield file;
    }
    for (let i = subdirectories.length - 1; i >= 0; i -= 1) stack.push(subdirectories[i]!);
  }
}

async function readIgnoreFiles(directory: PendingDirectory, entries: Dirent[], onSkip: WalkOptions['onSkip']): Promise<IgnoreRules> {
  const texts: string[] = [];
  for (const fileName of IGNORE_FILE_NAMES) {
    const entry = entries.find((candidate) => candidate.name === fileName);
    if (entry === undefined || entry.isDirectory()) continue;
    const absolutePath = join(directory.absolutePath, fileName);
    try {
      texts.push(await readFile(absolutePath, 'utf8'));
    } catch (error) {
      const relativePath = directory.relativePath === '' ? fileName : `${directory.relativePath}/${fileName}`;
      onSkip(unreadable(absolutePath, relativePath, error));
    }
  }
  return texts.length === 0 ? directory.rules : directory.rules.withLevel(directory.relativePath, texts);
}

async function checkCandidate(candidate: Candidate, options: WalkOptions): Promise<WalkedFile | null> {
  let stats = candidate.stats;
  try {
    // Synchronous on purpose: one stat is a few microseconds, and going through libuv's thread pool
    // made the walk of a 13,806-file tree 2.5x slower (about 320 ms instead of 130 ms).
    stats ??= statSync(candidate.absolutePath);
  } catch (error) {
    options.onSkip(unreadable(candidate.absolutePath, candidate.relativePath, error));
    return null;
  }
  if (stats.size > options.maxFileBytes) {
    options.onSkip({
      absolutePath: candidate.absolutePath,
      relativePath: candidate.relativePath,
      code: 'PARSE_TOO_LARGE',
      reason: `${stats.size} bytes is over the ${options.maxFileBytes}-byte limit (ingest.maxFileBytes)`,
    });
    return null;
  }
  if (!TRUSTED_EXTENSIONS.has(candidate.extension) && stats.size > 0) {
    try {
      if (looksBinary(await readHead(candidate.absolutePath))) return null;
    } catch (error) {
      options.onSkip(unreadable(candidate.absolutePath, candidate.relativePath, error));
      return null;
    }
  }
  return {
    absolutePath: candidate.absolutePath,
    relativePath: candidate.relativePath,
    extension: candidate.extension,
    sizeBytes: stats.size,
    modifiedMs: stats.mtimeMs,
  };
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function unreadable(absolutePath: string, relativePath: string, error: unknown): WalkSkip {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why = code === 'ENOENT' ? 'it vanished or is a broken symbolic link' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : error instanceof Error ? error.message : String(error);
  return { absolutePath, relativePath: relativePath === '' ? '.' : relativePath, code: 'SOURCE_UNREADABLE', reason: `cannot read: ${why}` };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new CairnError('ABORTED', 'The operation was cancelled.', { cause: signal.reason });
  }
}
