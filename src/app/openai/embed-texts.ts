import { DEFAULT_EMBEDDER } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import type { Embedder } from '../../models/embed/embedder.js';
import type { CairnApp } from '../cairn-app.js';
import { CAIRN_MODEL_PREFIX, collectionOfModel } from './cairn-models.js';

/** Most texts in one request (OpenAI's own limit). */
export const EMBEDDINGS_MAX_INPUTS = 2048;

export interface EmbedTextsInput {
  /** `cairn/<collection>` (that collection's embedder) or the configured embedder's id. */
  model: string;
  input: readonly string[];
  /** Must equal the model's dimension when given: Cairn does not shorten vectors. */
  dimensions?: number;
  signal?: AbortSignal;
}

export interface EmbedTextsResult {
  /** The embedder that made the vectors. */
  embedder: string;
  dimensions: number;
  /** One L2-normalised vector per input, in input order. */
  vectors: Float32Array[];
  /** Input tokens counted with the embedder's own tokenizer. */
  tokens: number;
}

const inputError = (message: string, param: string, hint: string) => new CairnError('INPUT_INVALID', message, { hint, details: { param } });

/**
 * Use case: embeds texts with the configured embedder or a collection's, for the OpenAI-compatible
 * `/v1/embeddings`. Only those two are accepted, so a request can never make the server load a model
 * or reach a URL of its choosing. A text over the model's window is refused rather than silently cut.
 */
export async function embedTexts(app: CairnApp, input: EmbedTextsInput): Promise<EmbedTextsResult> {
  const embedder = await embedderOfModel(app, input.model);
  if (input.input.length === 0) throw inputError('`input` is empty.', 'input', 'Send a string or a non-empty array of strings.');
  if (input.input.length > EMBEDDINGS_MAX_INPUTS) {
    throw inputError(`\`input\` has ${input.input.length} texts; at most ${EMBEDDINGS_MAX_INPUTS} are accepted in one request.`, 'input', 'Split the texts over several requests.');
  }
  if (input.dimensions !== undefined && input.dimensions !== embedder.dimensions) {
    throw inputError(
      `The model ${input.model} makes ${embedder.dimensions}-dimensional vectors; \`dimensions\` ${input.dimensions} cannot be honoured (Cairn does not shorten embeddings).`,
      'dimensions',
      `Leave \`dimensions\` out, or send ${embedder.dimensions}.`,
    );
  }
  let tokens = 0;
  input.input.forEach((text, index) => {
    if (text.trim().length === 0) throw inputError(`\`input[${index}]\` is empty.`, 'input', 'Send non-empty texts.');
    const count = embedder.tokenizer.count(text);
    if (count > embedder.maxTokens) {
      throw inputError(
        `\`input[${index}]\` has ${count} tokens; the model ${input.model} reads at most ${embedder.maxTokens}.`,
        'input',
        'Split the text into shorter pieces (Cairn does not cut it silently).',
      );
    }
    tokens += count;
  });
  const vectors: Float32Array[] = [];
  const size = Math.max(1, embedder.maxBatchSize);
  for (let start = 0; start < input.input.length; start += size) {
    const result = await embedder.embed({ texts: input.input.slice(start, start + size), ...(input.signal ? { signal: input.signal } : {}) });
    vectors.push(...result.vectors);
  }
  return { embedder: embedder.id, dimensions: embedder.dimensions, vectors, tokens };
}

async function embedderOfModel(app: CairnApp, model: string): Promise<Embedder> {
  const configured = app.config.embedder ?? DEFAULT_EMBEDDER;
  const id = model === configured ? configured : model.startsWith(CAIRN_MODEL_PREFIX) ? (await collectionOfModel(app, model)).embedder : undefined;
  if (id === undefined) {
    throw new CairnError('MODEL_NOT_FOUND', `The model \`${model}\` is not an embedding model of this server.`, {
      hint: `Use \`${configured}\` (the configured embedder) or cairn/<collection> (that collection's embedder).`,
      details: { param: 'model', model },
    });
  }
  const loaded = await app.loadEmbedder(id);
  if (loaded.embedder) return loaded.embedder;
  if (loaded.unavailableReason) {
    throw new CairnError('EMBEDDER_UNAVAILABLE', `The embedder of ${model} is unavailable: ${loaded.unavailableReason}`, {
      hint: 'Make the model available (CAIRN_MODELS_DIR, or allow the download) and retry.',
      retryable: true,
    });
  }
  throw inputError(`The model ${model} has no embedder (${id}: lexical search only).`, 'model', 'Use a collection with an embedder, or the configured embedder.');
}
