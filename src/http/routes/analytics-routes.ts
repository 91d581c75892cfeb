import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { analyticsReport, analyticsReportInputSchema } from '../../app/analytics/analytics-report.js';
import type { CairnApp } from '../../app/cairn-app.js';
import { parseInput } from '../../app/parse-input.js';
import { collectionNameSchema } from '../../app/input-schemas.js';
import { ANALYTICS_KINDS, ANALYTICS_SURFACES } from '../../stores/analytics-store.js';
import { withProblems } from '../http-schemas.js';

const querySchema = z
  .object({
    days: z.coerce.number().int().min(1).max(366).optional().describe('today (UTC) and the days before it; default 7'),
    collection: collectionNameSchema.optional(),
    limit: z.coerce.number().int().min(1).max(200).optional().describe('rows per list; default 20'),
  })
  .strict();

const mode = z.enum(['lexical', 'dense', 'hybrid']);
const queryCountSchema = z.object({ query: z.string(), count: z.number(), avgResults: z.number(), lastAt: z.string() });

const reportSchema = z.object({
  enabled: z.boolean(),
  retentionDays: z.number(),
  days: z.number(),
  collection: z.string().nullable(),
  since: z.string(),
  until: z.string(),
  total: z.number(),
  zeroResults: z.number(),
  perDay: z.array(z.object({ day: z.string(), count: z.number(), zeroResults: z.number() })),
  topQueries: z.array(queryCountSchema),
  zeroResultQueries: z.array(queryCountSchema),
  lowScoreQueries: z
    .array(z.object({ query: z.string(), mode, count: z.number(), avgTopScore: z.number(), lastAt: z.string() }))
    .describe('lowest mean top score first within each mode: BM25 for lexical, cosine similarity for dense and hybrid'),
  latency: z.array(z.object({ kind: z.enum(ANALYTICS_KINDS), mode, count: z.number(), p50Ms: z.number(), p95Ms: z.number(), p99Ms: z.number() })),
  surfaces: z.array(z.object({ surface: z.enum(ANALYTICS_SURFACES), count: z.number() })),
  keys: z.array(z.object({ keyId: z.string().nullable(), count: z.number() })).describe('the API keys that asked most (null: CLI, MCP over stdio)'),
});

/** `GET /v1/analytics` (scope admin): the search analytics report over a window of days. */
export function registerAnalyticsRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '',
    { config: { scope: 'admin' }, schema: { tags: ['analytics'], querystring: querySchema, response: withProblems(reportSchema) } },
    async (request) => analyticsReport(app, parseInput(analyticsReportInputSchema, request.query)),
  );
}
