import type { FastifySchema, RouteOptions } from 'fastify';
import type { SwaggerTransform } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** Security schemes of the OpenAPI document: an API key as a bearer token, or as the password of HTTP Basic (any user name). */
export const API_KEY_SECURITY_SCHEMES = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>` (create one with `cairn keys create`).' },
  basicAuth: { type: 'http', scheme: 'basic', description: 'HTTP Basic with any user name and an API key as the password (for browsers).' },
} as const;

const API_KEY_SECURITY: Record<string, string[]>[] = [{ bearerAuth: [] }, { basicAuth: [] }];

/**
 * The zod-to-JSON-Schema transform of every route, plus its security requirement: a route that
 * `needsKey` answers only with an API key, and its description names the scope (`config.scope`,
 * `admin` when absent, as authenticate.ts enforces).
 */
export function openApiTransform(needsKey: (url: string) => boolean): SwaggerTransform {
  return (document) => {
    const transformed = jsonSchemaTransform(document as Parameters<typeof jsonSchemaTransform>[0]);
    const schema = transformed.schema as (FastifySchema & { hide?: boolean; description?: string; security?: unknown }) | undefined;
    if (!schema || schema.hide || !needsKey(transformed.url)) return transformed;
    const scope = (document.route as RouteOptions).config?.scope ?? 'admin';
    const needs = `Needs an API key with scope \`${scope}\`.`;
    return { url: transformed.url, schema: { ...schema, security: API_KEY_SECURITY, description: schema.description ? `${schema.description}\n\n${needs}` : needs } };
  };
}
