import type { SearchTimings } from '../api/types.js';

/** Stage timings of `/v1/search` in the order the playground lists them, keyed as the server sends them. */
export const SEARCH_STAGES: readonly (readonly [keyof SearchTimings, string])[] = [
  ['lexicalMs', 'Lexical'],
  ['embedMs', 'Embed query'],
  ['denseMs', 'Dense'],
  ['fusionMs', 'Fuse'],
  ['rerankMs', 'Rerank'],
  ['hydrateMs', 'Hydrate'],
  ['totalMs', 'Total'],
];
