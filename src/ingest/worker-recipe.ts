import type { Embedder } from '../models/embed/embedder.js';
import { createStaticEmbedder } from '../models/embed/static-embedder.js';
import { estimateTokenCounter } from '../models/tokenize/estimate-token-counter.js';
import { loadTokenizer } from '../models/tokenize/load-tokenizer.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';

/**
 * A serialisable description of the collection's tokenizer (and, for `static:`, its embedder) from
 * which a prepare worker rebuilds equal instances. `loadTokenizer` names its tokenizers
 * `hf:<model folder>`; the worker checks that the rebuilt tokenizer has the same id.
 */
export interface WorkerRecipe {
  tokenizer: { kind: 'estimate'; id: string } | { kind: 'model-dir'; id: string; modelDir: string };
  /** Set when the embedder is cheap and pure JS (`static:`): workers then embed too. */
  embedder?: { kind: 'static'; id: string; modelDir: string; dimensions: number };
}

/** The recipe for a tokenizer/embedder pair, or null when the tokenizer cannot be rebuilt in a worker. */
export function describeForWorker(tokenizer: TokenCounter, embedder: Embedder | null): WorkerRecipe | null {
  let recipe: WorkerRecipe;
  if (tokenizer.id === estimateTokenCounter.id) recipe = { tokenizer: { kind: 'estimate', id: tokenizer.id } };
  else if (tokenizer.id.startsWith('hf:') && tokenizer.exact) {
    recipe = { tokenizer: { kind: 'model-dir', id: tokenizer.id, modelDir: tokenizer.id.slice(3) } };
  } else return null;
  if (embedder?.id.startsWith('static:') && recipe.tokenizer.kind === 'model-dir' && embedder.tokenizer.id === tokenizer.id) {
    recipe.embedder = { kind: 'static', id: embedder.id, modelDir: recipe.tokenizer.modelDir, dimensions: embedder.dimensions };
  }
  return recipe;
}

/** Rebuilds what a recipe describes (inside a worker). */
export async function rebuildFromRecipe(recipe: WorkerRecipe): Promise<{ tokenizer: TokenCounter; embedder: Embedder | null }> {
  if (recipe.embedder) {
    const embedder = await createStaticEmbedder({ id: recipe.embedder.id, modelDir: recipe.embedder.modelDir });
    checkSame('tokenizer', embedder.tokenizer.id, recipe.tokenizer.id);
    checkSame('dimensions', String(embedder.dimensions), String(recipe.embedder.dimensions));
    return { tokenizer: embedder.tokenizer, embedder };
  }
  if (recipe.tokenizer.kind === 'estimate') {
    checkSame('tokenizer', estimateTokenCounter.id, recipe.tokenizer.id);
    return { tokenizer: estimateTokenCounter, embedder: null };
  }
  const tokenizer = await loadTokenizer(recipe.tokenizer.modelDir);
  checkSame('tokenizer', tokenizer.id, recipe.tokenizer.id);
  return { tokenizer, embedder: null };
}

function checkSame(what: string, actual: string, expected: string): void {
  if (actual !== expected) throw new Error(`Prepare worker rebuilt ${what} ${actual}, expected ${expected}.`);
}
