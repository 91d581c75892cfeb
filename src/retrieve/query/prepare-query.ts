import { CairnError } from '../../core/cairn-error.js';
import { analyzeQuery } from '../../models/tokenize/lexical-analyzer.js';

/** A query ready for both arms: the text the embedder sees and the terms the lexical index sees. */
export interface PreparedQuery {
  /** The query with surrounding whitespace removed (embedded as is). */
  text: string;
  /** Lexical terms: lower-cased, identifiers split and joined, stop words removed, deduplicated. */
  terms: string[];
}

export function prepareQuery(query: string): PreparedQuery {
  const text = query.trim();
  if (text.length === 0) {
    throw new CairnError('INPUT_INVALID', 'The search query is empty.', { hint: 'Pass the words to search for.' });
  }
  return { text, terms: analyzeQuery(text) };
}
