import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { AnalyticsOrigin } from '../../app/analytics/record-analytics.js';
import type { CairnApp } from '../../app/cairn-app.js';
import { searchInputSchema, type SearchInputParsed } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { searchResultsJson } from '../../app/render/search-result-json.js';
import { search } from '../../app/search.js';
import { analyticsOrigin } from '../analytics-origin.js';
import { searchBodySchema, searchQuerySchema, searchResponseSchema, withProblems } from '../http-schemas.js';

/**
 * `GET /v1/search?q=…` and `POST /v1/search` with the same modes and filters as `cairn search`;
 * `results` are the items of `cairn search --json`: by default one per document with its `passages`,
 * or one per chunk with `group: "chunks"` (`?group=chunks`).
 */
export function registerSearchRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.get('', { config: { scope: 'read' }, serializerCompiler: plainJson, schema: { tags: ['search'], querystring: searchQuerySchema, response: withProblems(searchResponseSchema) } }, async (request) =>
    runSearch(app, parseInput(searchInputSchema, searchInputFromQuery(request.query, app.config.defaultCollection)), analyticsOrigin(request)),
  );
  routes.post('', { config: { scope: 'read' }, serializerCompiler: plainJson, schema: { tags: ['search'], body: searchBodySchema, response: withProblems(searchResponseSchema) } }, async (request) =>
    runSearch(app, parseInput(searchInputSchema, { ...request.body, collection: request.body.collection ?? app.config.defaultCollection }), analyticsOrigin(request)),
  );
}

/**
 * The search routes' responses are written with plain JSON.stringify instead of the zod serializer,
 * which re-validates every result (about a tenth of a lexical request's CPU). The schema still
 * documents the response in OpenAPI, and the handler's return type is checked against it at compile
 * time; runSearch builds exactly the schema's keys (search-routes.test.ts compares the body with it).
 */
const plainJson = () => (data: unknown) => JSON.stringify(data);

async function runSearch(app: CairnApp, input: SearchInputParsed, origin: AnalyticsOrigin) {
  const response = await search(app, { ...input, origin });
  return {
    query: input.query,
    collection: response.collection,
    mode: response.mode,
    timings: response.timings,
    group: response.group,
    notices: response.notices,
    results: searchResultsJson(response),
  };
}

function searchInputFromQuery(query: z.infer<typeof searchQuerySchema>, defaultCollection: string): Record<string, unknown> {
  const list = (value: string | string[] | undefined) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);
  const filter = Object.fromEntries(
    Object.entries({
      pathPrefix: query.path,
      pathGlob: query.glob,
      language: list(query.lang),
      fileType: list(query.type),
      tags: list(query.tag),
      modifiedAfter: query.after,
      modifiedBefore: query.before,
    }).filter((entry) => entry[1] !== undefined),
  );
  return {
    collection: query.collection ?? defaultCollection,
    query: query.q,
    mode: query.mode,
    k: query.k,
    minScore: query.min_score,
    group: query.group,
    passages: query.passages,
    ...(Object.keys(filter).length > 0 ? { filter } : {}),
  };
}
