import type { ScoredChunk } from '../../core/search-types.js';

/**
 * The JSON contract of one search result (snake_case; at least source_uri, title, text, score),
 * shared by `cairn search --json` and the HTTP `/v1/search` routes.
 */
export function searchResultJson(result: ScoredChunk) {
  return {
    source_uri: result.sourceUri,
    title: result.title,
    text: result.text,
    score: result.score,
    scores: result.scores,
    snippet: result.snippet,
    heading_path: result.headingPath,
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
