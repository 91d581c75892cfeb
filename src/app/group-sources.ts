import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fields of a stored document that say where it came from. */
export interface SourceDocument {
  uri: string;
  relativePath: string;
  sourceRoot: string;
  chunkCount: number;
  format: string;
  gitRepository?: string;
}

/** One group of documents: a project, technology or directory of the knowledge base. */
export interface SourceGroup {
  /** Path of the group below `base` (`eslint`, `docs/guides`), or a repository name for git sources. */
  name: string;
  documents: number;
  chunks: number;
  /** Formats of its documents, most documents first. */
  formats: string[];
  /** Search filter `pathPrefix` selecting exactly this group, when one exists (null: the group spans whole source roots). */
  pathPrefix: string | null;
}

export interface SourceGrouping {
  /** Common directory of the filesystem source roots that `name`s are relative to ('' when there are none). */
  base: string;
  /** Directory levels below `base` used to group. */
  depth: number;
  groups: SourceGroup[];
}

/** Deepest level the automatic depth descends to before it gives up looking for a split. */
const MAX_AUTO_DEPTH = 6;

interface Located {
  /** Directory segments that name the document's place: below `base` for files, after the repository name for git. */
  segments: string[];
  /** How many leading segments are the source root itself (not part of `relativePath`). */
  rootSegments: number;
  document: SourceDocument;
}

/**
 * Groups documents by the first `depth` directory levels below the common directory of their source
 * roots: for `docs-corpus/<project>/...` ingested as one directory, or project by project, the groups
 * are the project names. Git sources are grouped under their repository name. With no `depth`, the
 * shallowest level that splits the documents into more than one group is used (a single-project
 * collection shows its top directories). Crawled pages are grouped by site, then by URL path.
 * Files directly at a level form the group `.`.
 * Groups are ordered by document count, then name.
 */
export function groupSources(documents: readonly SourceDocument[], depth?: number): SourceGrouping {
  const rootOf = memoizedRootDirectory();
  const base = commonDirectory([...new Set(documents.filter((d) => d.uri.startsWith('file:')).map(rootOf))]);
  const located = documents.map((document) => locate(document, base, rootOf));
  const chosen = depth ?? autoDepth(located);
  const groups = new Map<string, { documents: number; chunks: number; formats: Map<string, number>; prefixes: Set<string | null> }>();
  const names = located.map((item) => groupName(item, chosen));
  for (const [index, item] of located.entries()) {
    const kept = item.segments.slice(0, chosen);
    const name = names[index]!;
    let group = groups.get(name);
    if (!group) {
      group = { documents: 0, chunks: 0, formats: new Map(), prefixes: new Set() };
      groups.set(name, group);
    }
    group.documents += 1;
    group.chunks += item.document.chunkCount;
    group.formats.set(item.document.format, (group.formats.get(item.document.format) ?? 0) + 1);
    const inside = kept.slice(item.rootSegments);
    group.prefixes.add(kept.length === chosen && inside.length > 0 ? `${inside.join('/')}/` : null);
  }
  const prefixOf = (name: string, prefixes: Set<string | null>): string | null => {
    const [prefix] = prefixes;
    if (prefixes.size !== 1 || !prefix) return null;
    const selectsOthers = located.some((item, index) => names[index] !== name && item.document.relativePath.startsWith(prefix));
    return selectsOthers ? null : prefix;
  };
  return {
    base,
    depth: chosen,
    groups: [...groups.entries()]
      .map(([name, group]) => ({
        name,
        documents: group.documents,
        chunks: group.chunks,
        formats: [...group.formats.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([format]) => format),
        pathPrefix: prefixOf(name, group.prefixes),
      }))
      .sort((a, b) => b.documents - a.documents || a.name.localeCompare(b.name)),
  };
}

function groupName(item: Located, depth: number): string {
  const kept = item.segments.slice(0, depth);
  return kept.length === 0 ? '.' : kept.join('/');
}

function autoDepth(located: readonly Located[]): number {
  for (let depth = 1; depth <= MAX_AUTO_DEPTH; depth++) {
    const names = new Set(located.map((item) => item.segments.slice(0, depth).join('/')));
    if (names.size > 1) return depth;
    if (located.every((item) => item.segments.length <= depth)) return depth;
  }
  return 1;
}

function locate(document: SourceDocument, base: string, rootOf: (document: SourceDocument) => string): Located {
  const directories = posix.dirname(document.relativePath.replaceAll('\\', '/'));
  const inner = directories === '.' ? [] : directories.split('/').filter(Boolean);
  // Crawled pages: their relative path (`host/path`) already starts with the site.
  if (/^https?:/.test(document.uri)) return { segments: inner, rootSegments: 0, document };
  if (!document.uri.startsWith('file:')) {
    return { segments: [repositoryName(document), ...inner], rootSegments: 1, document };
  }
  const root = rootOf(document);
  const rootBelowBase = posix.relative(base, root);
  const rootSegments = rootBelowBase === '' ? [] : rootBelowBase.split('/');
  return { segments: [...rootSegments, ...inner], rootSegments: rootSegments.length, document };
}

/** rootDirectory, computed once per source root (every document of a directory source shares it). */
function memoizedRootDirectory(): (document: SourceDocument) => string {
  const cache = new Map<string, string>();
  return (document) => {
    let root = cache.get(document.sourceRoot);
    if (root === undefined) {
      root = rootDirectory(document);
      cache.set(document.sourceRoot, root);
    }
    return root;
  };
}

/** Directory of a file source's root: the root itself, or its parent when a single file was ingested. */
function rootDirectory(document: SourceDocument): string {
  const absolute = toPosix(fileURLToPath(document.uri));
  const relative = document.relativePath.replaceAll('\\', '/');
  return absolute.endsWith(`/${relative}`) ? absolute.slice(0, -relative.length - 1) || '/' : posix.dirname(absolute);
}

function repositoryName(document: SourceDocument): string {
  const repository = (document.gitRepository ?? document.sourceRoot).replace(/[#?].*$/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  const parts = repository.split(/[/:]/).filter(Boolean);
  return parts.slice(-2).join('/') || repository;
}

function commonDirectory(directories: readonly string[]): string {
  const [first, ...rest] = directories;
  if (first === undefined) return '';
  let common = first.split('/');
  for (const directory of rest) {
    const parts = directory.split('/');
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join('/') || '/';
}

function toPosix(path: string): string {
  return path.replaceAll('\\', '/');
}
