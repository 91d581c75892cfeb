import type { z } from 'zod';
import { parseLimitsSchema } from '../../config/config-schema.js';

/** `ingest.limits` of the configuration: what one file may cost to parse. */
export type ParseLimits = z.infer<typeof parseLimitsSchema>;
export type ZipLimits = ParseLimits['zip'];

/** The configuration's defaults, for parsers called without limits (tests, tools). */
export const DEFAULT_PARSE_LIMITS: ParseLimits = parseLimitsSchema.parse(undefined);

/** Config keys, named in messages so a user knows what to raise. */
export const LIMIT_KEYS = {
  zipMaxUncompressedBytes: 'ingest.limits.zip.maxUncompressedBytes',
  zipMaxRatio: 'ingest.limits.zip.maxRatio',
  zipMaxEntries: 'ingest.limits.zip.maxEntries',
  pdfMaxPages: 'ingest.limits.pdf.maxPages',
  pdfMaxChars: 'ingest.limits.pdf.maxChars',
  pdfMaxStreamBytes: 'ingest.limits.pdf.maxStreamBytes',
  maxNestingDepth: 'ingest.limits.maxNestingDepth',
} as const;
