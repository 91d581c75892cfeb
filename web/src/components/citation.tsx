import type { Citation } from '../api/types.js';
import { Markdown } from '../lib/markdown.js';
import { documentHref } from '../lib/routes.js';

/** `[n]` in an answer as a button that opens source n. */
export function CitationButton({ citation, onOpen }: { citation: Citation; onOpen: (citation: Citation) => void }) {
  return (
    <button type="button" className="cite" aria-label={`Citation ${citation.n}`} title={citation.title} onClick={() => onOpen(citation)}>
      [{citation.n}]
    </button>
  );
}

/**
 * An answer's Markdown with its citation markers as buttons; a marker whose number is not among the
 * sources stays plain text.
 */
export function AnswerText({ text, citations, onOpen }: { text: string; citations: readonly Citation[]; onOpen: (citation: Citation) => void }) {
  const byNumber = new Map(citations.map((citation) => [citation.n, citation]));
  return (
    <Markdown
      text={text}
      options={{
        renderCitation: (n, key) => {
          const citation = byNumber.get(n);
          return citation ? <CitationButton key={key} citation={citation} onOpen={onOpen} /> : null;
        },
      }}
    />
  );
}

export function citationKind(citation: Citation): 'chunk' | 'memory' | 'turn' {
  return citation.kind ?? 'chunk';
}

/** Where in its document a source sits: pages, lines, heading path. */
export function citationLocation(citation: Citation): string {
  const parts: string[] = [];
  if (citation.page_start !== null) parts.push(citation.page_end !== null && citation.page_end !== citation.page_start ? `pages ${citation.page_start}-${citation.page_end}` : `page ${citation.page_start}`);
  if (citation.line_start !== null) parts.push(citation.line_end !== null && citation.line_end !== citation.line_start ? `lines ${citation.line_start}-${citation.line_end}` : `line ${citation.line_start}`);
  if (citation.heading_path.length > 0) parts.push(citation.heading_path.join(' / '));
  return parts.join(', ');
}

/** The cited text with its source and a link to the document, opened at the cited passage (chunk sources only). */
export function CitationDetail({ citation, collection }: { citation: Citation; collection: string }) {
  const kind = citationKind(citation);
  const location = citationLocation(citation);
  return (
    <article className="citation-detail" aria-label={`Source ${citation.n}`}>
      <header>
        <h3>
          <span className="cite-number">[{citation.n}]</span> {citation.title || citation.source_uri}
        </h3>
        {kind !== 'chunk' ? <span className={`badge badge-${kind}`}>{kind === 'memory' ? 'Memory' : 'Earlier turn'}</span> : null}
        <p className="muted">
          {location ? `${location} · ` : ''}score {citation.score.toFixed(3)}
        </p>
      </header>
      <blockquote className="cited-text">{citation.text}</blockquote>
      {kind === 'chunk' && citation.document_id !== null ? (
        <p>
          <a href={documentHref(collection, citation.document_id, citation.chunk_ids)}>Open document {citation.title || citation.source_uri}</a>
        </p>
      ) : null}
    </article>
  );
}
