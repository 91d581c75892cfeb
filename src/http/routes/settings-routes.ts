import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { getSettings, RUNTIME_SETTING_KEYS, runtimeSettingsPatchSchema, settingsKeyView, updateSettings } from '../../app/runtime-settings.js';
import { callerOf } from '../authenticate.js';
import { withProblems } from '../http-schemas.js';

const settingsSchema = z.object({
  key: z.object({ id: z.string(), name: z.string(), prefix: z.string(), scope: z.enum(['read', 'write', 'admin']) }).nullable(),
  sources: z.object({ pathsEnabled: z.boolean(), allowedDirs: z.array(z.string()).optional(), gitEnabled: z.boolean(), privateNetworks: z.boolean() }),
  uploads: z.object({ maxFilesPerUpload: z.number().int(), maxUploadBytes: z.number().int() }).describe('the most files one upload request may hold and the largest file, so a client splits a large folder'),
  models: z.object({
    embedder: z.string(),
    reranker: z.string(),
    llm: z.object({ urls: z.array(z.string()).optional().describe('admin keys only'), model: z.string().nullable(), discover: z.boolean() }),
  }),
  settings: z.array(
    z.object({
      key: z.enum(RUNTIME_SETTING_KEYS),
      label: z.string(),
      description: z.string(),
      value: z.unknown(),
      configured: z.unknown(),
      overridden: z.boolean(),
      updatedAt: z.string().nullable(),
      updatedBy: z.string().nullable(),
      schema: z.record(z.string(), z.unknown()),
    }),
  ),
});

/**
 * `/v1/settings`: `GET` (scope read) the key asking, what sources remote callers may add, the models in
 * effect and the run-time settings; `PATCH` (admin) changes run-time settings, stored in the database
 * (`null` returns one to its configured value). See app/runtime-settings.ts.
 */
export function registerSettingsRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  const view = (request: Parameters<typeof callerOf>[0]) => getSettings(app, callerOf(request), request.apiKey ? settingsKeyView(request.apiKey) : null);
  routes.get('', { config: { scope: 'read' }, schema: { tags: ['operations'], response: withProblems(settingsSchema) } }, async (request) => view(request));
  routes.patch(
    '',
    { config: { scope: 'admin' }, schema: { tags: ['operations'], body: runtimeSettingsPatchSchema, response: withProblems(settingsSchema) } },
    async (request) => {
      await updateSettings(app, callerOf(request), request.body);
      return view(request);
    },
  );
}
