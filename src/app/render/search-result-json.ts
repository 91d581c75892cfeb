import type { ScoredChunk } from '../../core/search-types.js';

/**
 * The JSON contract of one search result (snake_case; at least source_uri, title, text, score),
 * shared by `cairn search --json` and the HTTP `/v1/search` routes. `snippet` is plain text and
 * `highlights` its matching words as `[start, end)` UTF-16 offsets (until 0.1 the snippet wrapped
 * them in `**`, which could not be told from Markdown bold in the text). `anchor`: the cited
 * section's fragment, null when the source states none. `also_in`: the paths of near-duplicates
 * collapsed into this result, present only when some were.
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
    ...(result.alsoIn === undefined ? {} : { also_in: result.alsoIn }),
  };
}

export type SearchResultJson = ReturnType<typeof searchResultJson>;
