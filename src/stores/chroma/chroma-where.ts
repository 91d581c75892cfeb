import { fileExtension, matchesFilter, type FilterableDocument, type NormalizedFilter } from '../../core/search-filter.js';

/**
 * How a chunk's document fields sit in Chroma metadata, so that filters run inside Chroma: scalars for
 * path, format, extension, language (lower-case, '' when none) and modification time; one `true` key per
 * tag (`tag:<tag>`) and per ancestor directory (`dir:<dir>/`), because Chroma 1.0 metadata has no lists
 * and `where` has no prefix match.
 */
export function chromaMetadata(document: FilterableDocument): Record<string, string | number | boolean> {
  const path = document.relativePath;
  const metadata: Record<string, string | number | boolean> = {
    path,
    format: document.format,
    ext: fileExtension(path),
    language: (document.language ?? '').toLowerCase(),
    modified_ms: document.modifiedMs,
  };
  for (const tag of document.tags) metadata[`tag:${tag}`] = true;
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) metadata[`dir:${path.slice(0, slash + 1)}`] = true;
  return metadata;
}

/** A filter split into what Chroma's `where` expresses and what must be checked on the returned metadata. */
export interface ChromaFilterPlan {
  where?: Record<string, unknown>;
  /** Applied to each hit's metadata after a widened query (a glob, a prefix that ends mid-name). */
  residual?: (metadata: Record<string, unknown>) => boolean;
}

/**
 * Translates a normalised filter (docs/decisions/0031-chroma.md lists which part runs where): language,
 * file type, tags, dates and a directory prefix (ending in `/`) become a `where`; a glob or a prefix
 * that ends inside a name is checked on the hits' `path`.
 */
export function planChromaFilter(filter: NormalizedFilter | undefined): ChromaFilterPlan {
  if (filter === undefined) return {};
  const clauses: Record<string, unknown>[] = [];
  if (filter.pathPrefix?.endsWith('/')) clauses.push({ [`dir:${filter.pathPrefix}`]: { $eq: true } });
  // A glob's leading literal directories (`docs/api/` of `docs/api/**/*.md`) narrow the query inside Chroma too.
  const globDirectory = literalDirectory(filter.pathGlob);
  if (globDirectory !== '' && globDirectory !== filter.pathPrefix) clauses.push({ [`dir:${globDirectory}`]: { $eq: true } });
  if (filter.language !== undefined) clauses.push({ language: { $in: [...filter.language] } });
  if (filter.fileType !== undefined) clauses.push({ $or: [{ format: { $in: [...filter.fileType] } }, { ext: { $in: [...filter.fileType] } }] });
  for (const tag of filter.tags ?? []) clauses.push({ [`tag:${tag}`]: { $eq: true } });
  if (filter.modifiedAfterMs !== undefined) clauses.push({ modified_ms: { $gte: filter.modifiedAfterMs } });
  if (filter.modifiedBeforeMs !== undefined) clauses.push({ modified_ms: { $lte: filter.modifiedBeforeMs } });
  const plan: ChromaFilterPlan = {};
  if (clauses.length === 1) plan.where = clauses[0]!;
  else if (clauses.length > 1) plan.where = { $and: clauses };
  const prefixResidual = filter.pathPrefix !== undefined && !filter.pathPrefix.endsWith('/');
  if (prefixResidual || filter.pathGlob !== undefined) {
    // Only the path parts are left; matchesFilter applies them on the stored path.
    const pathOnly = { ...(prefixResidual ? { pathPrefix: filter.pathPrefix } : {}), ...(filter.pathGlob === undefined ? {} : { pathGlob: filter.pathGlob }) } as NormalizedFilter;
    plan.residual = (metadata) => matchesFilter(pathOnly, { relativePath: String(metadata.path ?? ''), format: '', tags: [], modifiedMs: 0 });
  }
  return plan;
}

/** The directories at the start of a glob before any special character (`a/b/` of `a/b/*.ts`), '' when none. */
function literalDirectory(glob: string | undefined): string {
  if (glob === undefined) return '';
  const literal = /^[^*?[\]{}()!+@\\]*/.exec(glob)?.[0] ?? '';
  // `./` and `../` segments or doubled slashes may be normalised by the glob matcher: leave those to the post-filter.
  if (/(^|\/)\.{1,2}\//.test(literal) || literal.includes('//')) return '';
  return literal.slice(0, literal.lastIndexOf('/') + 1);
}
