import type { FastifyRequest } from 'fastify';
import type { AnalyticsOrigin } from '../app/analytics/record-analytics.js';

/** Sent by the web UI's API client, so the analytics tell the UI's searches from other HTTP clients'. */
export const CLIENT_HEADER = 'x-cairn-client';
export const WEB_UI_CLIENT = 'web-ui';

/** The analytics origin of an authenticated HTTP request: the web UI or another HTTP client, and the key. */
export function analyticsOrigin(request: FastifyRequest): AnalyticsOrigin {
  return { surface: request.headers[CLIENT_HEADER] === WEB_UI_CLIENT ? 'ui' : 'http', ...(request.apiKeyId ? { keyId: request.apiKeyId } : {}) };
}
