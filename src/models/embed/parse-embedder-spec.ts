import { CairnError } from '../../core/cairn-error.js';
import { modelServerBaseUrl, splitModelSpec } from '../parse-model-spec.js';

/** A parsed CAIRN_EMBEDDER value. */
export type EmbedderSpec =
  | { kind: 'onnx'; modelId: string }
  | { kind: 'static'; ref: string }
  | { kind: 'openai'; baseUrl: string; model: string }
  | { kind: 'none' };

const ACCEPTED =
  'Use one of: `onnx:<model-id>` (onnx:Xenova/all-MiniLM-L6-v2), `static:<model-id-or-path>`, ' +
  '`openai:<base-url>#<model>` (openai:http://127.0.0.1:8000/v1#bge-small), or `none`.';

function invalid(spec: string, why: string): CairnError {
  return new CairnError('INPUT_INVALID', `Embedder "${spec}" is not valid: ${why}.`, { hint: ACCEPTED, details: { spec } });
}

/** Parses `onnx:<id>`, `static:<id-or-path>`, `openai:<base-url>#<model>` or `none`; throws INPUT_INVALID otherwise. */
export function parseEmbedderSpec(spec: string): EmbedderSpec {
  const parts = splitModelSpec(spec, (why) => invalid(spec, why));
  if (parts === null) return { kind: 'none' };
  const { kind, rest } = parts;
  switch (kind) {
    case 'onnx':
      if (!rest) throw invalid(spec, 'the model id is missing');
      return { kind: 'onnx', modelId: rest };
    case 'static':
      if (!rest) throw invalid(spec, 'the model id or path is missing');
      return { kind: 'static', ref: rest };
    case 'openai': {
      const hash = rest.lastIndexOf('#');
      if (hash <= 0 || hash === rest.length - 1) throw invalid(spec, 'it needs `<base-url>#<model>`');
      const baseUrl = modelServerBaseUrl(rest.slice(0, hash), (why) => invalid(spec, why));
      return { kind: 'openai', baseUrl, model: rest.slice(hash + 1) };
    }
    default:
      throw invalid(spec, `unknown kind "${kind}"`);
  }
}

/** The canonical id recorded on a collection for a spec (stable across spacing and trailing slashes). */
export function embedderSpecId(spec: EmbedderSpec): string {
  switch (spec.kind) {
    case 'onnx':
      return `onnx:${spec.modelId}`;
    case 'static':
      return `static:${spec.ref}`;
    case 'openai':
      return `openai:${spec.baseUrl}#${spec.model}`;
    case 'none':
      return 'none';
  }
}
