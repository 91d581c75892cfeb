import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import type { TokenCounter } from './token-counter.js';
import { createTransformersTokenizer } from './transformers-tokenizer.js';
import { wordPieceSpecFromJson } from './wordpiece-spec.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

/** A tokenizer that can also return ids (what the static embedder and exact packing need). */
export interface ModelTokenizer extends TokenCounter {
  readonly exact: true;
  encode(text: string): number[];
}

export interface LoadTokenizerOptions {
  /** Use the transformers.js tokenizer even when the fast WordPiece path applies (tests, comparisons). */
  forceReference?: boolean;
}

/**
 * Loads the tokenizer of a model folder (`tokenizer.json`, Hugging Face format).
 * Contract: ids equal those of transformers.js `AutoTokenizer` for the same folder, without special tokens.
 * BERT-style WordPiece tokenizers get the fast `WordPieceTokenizer`; anything else the transformers.js one.
 */
export async function loadTokenizer(modelDir: string, options: LoadTokenizerOptions = {}): Promise<ModelTokenizer> {
  const file = join(modelDir, 'tokenizer.json');
  if (!existsSync(file)) {
    throw new CairnError('MODEL_NOT_FOUND', `No tokenizer.json in ${modelDir}.`, {
      hint: 'Point CAIRN_MODELS_DIR at a folder holding the model, or run `cairn models pull <id>`.',
    });
  }
  let tokenizerJson: unknown;
  let tokenizerConfig: Record<string, unknown> = {};
  try {
    tokenizerJson = JSON.parse(await readFile(file, 'utf8'));
    const configFile = join(modelDir, 'tokenizer_config.json');
    if (existsSync(configFile)) tokenizerConfig = JSON.parse(await readFile(configFile, 'utf8'));
  } catch (error) {
    throw new CairnError('MODEL_NOT_FOUND', `The tokenizer files in ${modelDir} are not valid JSON.`, {
      cause: error,
      hint: 'Download the model again (`cairn models pull <id>`) or fix the folder.',
    });
  }
  const id = `hf:${modelDir}`;
  const spec = options.forceReference ? null : wordPieceSpecFromJson(tokenizerJson, tokenizerConfig);
  if (spec !== null) return new WordPieceTokenizer(id, spec);
  return createTransformersTokenizer(id, tokenizerJson, tokenizerConfig);
}
