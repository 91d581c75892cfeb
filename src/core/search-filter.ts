import { extname } from 'node:path';
import picomatch from 'picomatch';
import { CairnError } from './cairn-error.js';
import type { SearchFilter } from './search-types.js';

declare const normalized: unique symbol;

/**
 * A SearchFilter validated and put in its one normal form by `normalizeFilter`: what every LexicalIndex
 * and VectorIndex receives and translates (a SQL WHERE, an in-walk predicate of a graph, a `where` of a
 * remote index). Every field present constrains the results and all of them must hold; an empty
 * filter is `undefined`, never an object. The brand makes `normalizeFilter` the only way to build one,
 * so backends never re-validate.
 */
export interface NormalizedFilter {
  readonly [normalized]: true;
  /** The document's relative path starts with this (case-sensitive, `/`-separated). */
  readonly pathPrefix?: string;
  /** The relative path matches this glob (picomatch syntax, dot files included); known to compile. */
  readonly pathGlob?: string;
  /** The document's language, lower-cased, is one of these (lower-case, distinct). */
  readonly language?: readonly string[];
  /** The document's format or its path's extension is one of these (lower-case, no leading dot, distinct). */
  readonly fileType?: readonly string[];
  /** Every one of these is among the document's tags (lower-case like stored tags, distinct). */
  readonly tags?: readonly string[];
  /** Modification time bounds in milliseconds since the epoch, both inclusive. */
  readonly modifiedAfterMs?: number;
  readonly modifiedBeforeMs?: number;
}

/** The document fields a filter reads; a pushed vector carries them so an external index can filter itself. */
export interface FilterableDocument {
  relativePath: string;
  format: string;
  language?: string;
  /** Lower-case, as writers store them. */
  tags: readonly string[];
  modifiedMs: number;
}

/** Just the filterable fields of a document record or write (what a pushed vector carries). */
export function filterableFields(document: FilterableDocument): FilterableDocument {
  const { relativePath, format, language, tags, modifiedMs } = document;
  return { relativePath, format, ...(language == null ? {} : { language }), tags, modifiedMs };
}

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_GLOB_LENGTH = 1000;

/**
 * Validates a filter from any edge and returns its normal form, or undefined when it constrains
 * nothing (absent, or only empty strings and lists). Bad values are INPUT_INVALID: a date that is not
 * ISO-8601, a glob that does not compile or can match no path.
 */
export function normalizeFilter(filter: SearchFilter | undefined): NormalizedFilter | undefined {
  if (filter === undefined) return undefined;
  const out: { -readonly [K in keyof NormalizedFilter]?: NormalizedFilter[K] } = {};
  if (nonEmpty(filter.pathPrefix)) out.pathPrefix = filter.pathPrefix;
  if (nonEmpty(filter.pathGlob)) {
    compileGlob(filter.pathGlob);
    out.pathGlob = filter.pathGlob;
  }
  const language = distinct(filter.language, (value) => value.trim().toLowerCase());
  if (language.length > 0) out.language = language;
  const fileType = distinct(filter.fileType, (value) => value.trim().toLowerCase().replace(/^\./, ''));
  if (fileType.length > 0) out.fileType = fileType;
  const tags = distinct(filter.tags, (value) => value.trim().toLowerCase());
  if (tags.length > 0) out.tags = tags;
  if (nonEmpty(filter.modifiedAfter)) out.modifiedAfterMs = parseBound(filter.modifiedAfter, 'modifiedAfter', false);
  if (nonEmpty(filter.modifiedBefore)) out.modifiedBeforeMs = parseBound(filter.modifiedBefore, 'modifiedBefore', true);
  return Object.keys(out).length === 0 ? undefined : (out as NormalizedFilter);
}

/** The lower-case extension without its dot (`md`), as `fileType` compares it; '' when there is none. */
export function fileExtension(relativePath: string): string {
  return extname(relativePath).slice(1).toLowerCase();
}

/**
 * Whether a document passes a filter: the reference semantics every backend's translation must agree
 * with (the contract suites check them against each backend), and the predicate of indexes that filter
 * in JavaScript.
 */
export function matchesFilter(filter: NormalizedFilter, document: FilterableDocument): boolean {
  const path = document.relativePath;
  if (filter.pathPrefix !== undefined && !path.startsWith(filter.pathPrefix)) return false;
  if (filter.pathGlob !== undefined && !compileGlob(filter.pathGlob).test(path)) return false;
  if (filter.language !== undefined && !filter.language.includes((document.language ?? '').toLowerCase())) return false;
  if (filter.fileType !== undefined && !filter.fileType.some((type) => type === document.format || type === fileExtension(path))) return false;
  if (filter.tags !== undefined && !filter.tags.every((tag) => document.tags.includes(tag))) return false;
  if (filter.modifiedAfterMs !== undefined && document.modifiedMs < filter.modifiedAfterMs) return false;
  if (filter.modifiedBeforeMs !== undefined && document.modifiedMs > filter.modifiedBeforeMs) return false;
  return true;
}

const globs = new Map<string, RegExp>();

/** The glob as a regular expression (picomatch, `dot: true` so that `.github/**` works), cached. */
export function compileGlob(pattern: string): RegExp {
  let regex = globs.get(pattern);
  if (regex !== undefined) return regex;
  const invalid = (why: string) =>
    new CairnError('INPUT_INVALID', `pathGlob "${pattern.slice(0, 80)}" ${why}.`, {
      hint: 'Use a glob such as src/**/*.ts or **/*.{md,pdf}; escape a literal bracket as \\[.',
    });
  if (pattern.length > MAX_GLOB_LENGTH) throw invalid(`is longer than ${MAX_GLOB_LENGTH} characters`);
  try {
    regex = picomatch.makeRe(pattern, { dot: true, strictBrackets: true });
  } catch (error) {
    throw invalid(`is not a valid glob (${(error as Error).message})`);
  }
  // picomatch compiles an unbalanced brace or a lone escape to a pattern that matches nothing.
  if (regex.source === '$^') throw invalid('can match no path');
  if (globs.size > 256) globs.clear();
  globs.set(pattern, regex);
  return regex;
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function distinct(values: string[] | undefined, normalize: (value: string) => string): string[] {
  if (values === undefined) return [];
  return [...new Set(values.map(normalize).filter((value) => value !== ''))];
}

/** Milliseconds since the epoch of an ISO-8601 date or date-time; a date-only upper bound covers its whole day. */
function parseBound(value: string, name: string, upper: boolean): number {
  const text = value.trim();
  const millis = Date.parse(text);
  if (Number.isNaN(millis)) {
    throw new CairnError('INPUT_INVALID', `${name} "${value}" is not an ISO-8601 date.`, {
      hint: 'Use a date such as 2024-05-31 or a date-time such as 2024-05-31T12:00:00Z.',
    });
  }
  return upper && DATE_ONLY.test(text) ? millis + DAY_MS - 1 : millis;
}
