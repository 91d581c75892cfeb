import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';
import { registerChatCompletionsRoute } from './chat-completions-route.js';
import { registerEmbeddingsRoute } from './embeddings-route.js';
import { registerModelsRoutes } from './models-routes.js';
import { useOpenAiErrors } from './openai-error.js';

/**
 * The OpenAI-compatible routes under `/v1` (`/models`, `/chat/completions`, `/embeddings`), so Open
 * WebUI, LibreChat, Continue and the OpenAI SDKs use Cairn without a plugin. Same API keys (a `read`
 * key may call them); every error of these routes, the auth hook's included, is in OpenAI's shape.
 * See docs/decisions/0023-openai-compatible-surface.md.
 */
export async function registerOpenAiRoutes(scope: FastifyInstance, app: CairnApp): Promise<void> {
  useOpenAiErrors(scope);
  registerModelsRoutes(scope, app);
  registerChatCompletionsRoute(scope, app);
  registerEmbeddingsRoute(scope, app);
}
