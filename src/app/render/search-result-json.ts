import type { DocumentHit, ScoredChunk } from '../../core/search-types.js';
import type { SearchUseCaseResponse } from '../search.js';

/**
 * The JSON contract of one search result (snake_case; at least source_uri, title, text, score),
 * shared by `cairn search --json` and the HTTP `/v1/search` routes. `snippet` is plain text and
 * `highlights` its matching words as `[start, end)` UTF-16 offsets (until 0.1 the snippet wrapped
 * them in `**`, which could not be told from Markdown bold in the text). `anchor`: the cited
 * section's fragment, null when the source states none.
 */
export function searchResultJson(result: ScoredChunk) {
  return {
    source_uri: result.sourceUri,
    title: result.title,
    text: result.text,
    score: result.score,
    scores: result.scores,
    snippet: result.snippet,
    highlights: result.highlights,
    heading_path: result.headingPath,
    anchor: result.anchor ?? null,
    relative_path: result.relativePath,
    format: result.format,
    language: result.language,
    page_start: result.pageStart,
    page_end: result.pageEnd,
    line_start: result.lineStart,
    line_end: result.lineEnd,
    chunk_id: result.chunkId,
    document_id: result.documentId,
    collection: result.collection,
    git_commit: result.gitCommit,
  };
}

export type SearchResultJson = ReturnType<typeof searchResultJson>;

/** One passage of a document result: where in the document it is, its scores and text. */
export function passageJson(chunk: ScoredChunk) {
  return {
    chunk_id: chunk.chunkId,
    ordinal: chunk.ordinal ?? null,
    score: chunk.score,
    scores: chunk.scores,
    heading_path: chunk.headingPath,
    anchor: chunk.anchor ?? null,
    snippet: chunk.snippet,
    highlights: chunk.highlights,
    text: chunk.text,
    page_start: chunk.pageStart,
    page_end: chunk.pageEnd,
    line_start: chunk.lineStart,
    line_end: chunk.lineEnd,
  };
}

export type PassageJson = ReturnType<typeof passageJson>;

/**
 * A document result: the fields of its best passage at the top (so a client of the chunk shape reads
 * one result per document), and `passages`, best first (`passages[0]` is that same chunk).
 */
export function documentResultJson(document: DocumentHit): SearchResultJson & { passages: PassageJson[] } {
  return { ...searchResultJson(document.passages[0] as ScoredChunk), passages: document.passages.map(passageJson) };
}

/** The `results` of a search response: documents with their passages, or chunks (`group: 'chunks'`). */
export function searchResultsJson(response: Pick<SearchUseCaseResponse, 'results' | 'documents'>): Array<SearchResultJson & { passages?: PassageJson[] }> {
  return response.documents ? response.documents.map(documentResultJson) : response.results.map(searchResultJson);
}
