import { z } from 'zod';
import type { AnalyticsSummary } from '../../stores/analytics-store.js';
import type { CairnApp } from '../cairn-app.js';
import { collectionNameSchema } from '../input-schemas.js';
import { parseInput } from '../parse-input.js';

export const analyticsReportInputSchema = z
  .object({
    /** Today (UTC) and the days before it. */
    days: z.number().int().min(1).max(366).default(7),
    collection: collectionNameSchema.optional(),
    /** Rows per list (per mode for the low-score list). */
    limit: z.number().int().min(1).max(200).default(20),
  })
  .strict();

export type AnalyticsReportInput = z.input<typeof analyticsReportInputSchema>;

export interface AnalyticsReport extends AnalyticsSummary {
  enabled: boolean;
  retentionDays: number;
  days: number;
  collection: string | null;
  /** The window: from the start of the first UTC day to now. */
  since: string;
  until: string;
}

const DAY_MS = 86_400_000;

const EMPTY: AnalyticsSummary = { total: 0, zeroResults: 0, perDay: [], topQueries: [], zeroResultQueries: [], lowScoreQueries: [], latency: [], surfaces: [], keys: [] };

/**
 * Use case: what people searched and where the knowledge base failed them over the last `days`
 * UTC days (today included): top, zero-result and low-score queries, latency percentiles per kind
 * and mode, and one `perDay` entry for every day of the window (zeros included, for a chart).
 */
export async function analyticsReport(app: CairnApp, input: AnalyticsReportInput = {}, now: number = Date.now()): Promise<AnalyticsReport> {
  const parsed = parseInput(analyticsReportInputSchema, input);
  const firstDay = Math.floor(now / DAY_MS) * DAY_MS - (parsed.days - 1) * DAY_MS;
  const since = new Date(firstDay).toISOString();
  const until = new Date(now + 1).toISOString();
  const summary = app.analytics
    ? await app.analytics.summarize({ since, until, limit: parsed.limit, ...(parsed.collection !== undefined ? { collection: parsed.collection } : {}) })
    : EMPTY;
  const counted = new Map(summary.perDay.map((day) => [day.day, day]));
  const perDay = Array.from({ length: parsed.days }, (_, index) => {
    const day = new Date(firstDay + index * DAY_MS).toISOString().slice(0, 10);
    return counted.get(day) ?? { day, count: 0, zeroResults: 0 };
  });
  return {
    enabled: app.analytics?.enabled ?? false,
    retentionDays: app.analytics?.retentionDays ?? app.config.analytics.retentionDays,
    days: parsed.days,
    collection: parsed.collection ?? null,
    since,
    until,
    ...summary,
    perDay,
  };
}
