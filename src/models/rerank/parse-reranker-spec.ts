import { CairnError } from '../../core/cairn-error.js';
import { modelServerBaseUrl, splitModelSpec } from '../parse-model-spec.js';

/** A parsed CAIRN_RERANKER value. */
export type RerankerSpec = { kind: 'onnx'; modelId: string } | { kind: 'http'; baseUrl: string; model?: string } | { kind: 'none' };

const ACCEPTED =
  'Use one of: `onnx:<model-id>` (onnx:Xenova/ms-marco-MiniLM-L-6-v2), `http:<base-url>#<model>` ' +
  '(http:http://127.0.0.1:8000/v1#BAAI/bge-reranker-base; `#<model>` may be left out for TEI), or `none`.';

function invalid(spec: string, why: string): CairnError {
  return new CairnError('INPUT_INVALID', `Reranker "${spec}" is not valid: ${why}.`, { hint: ACCEPTED, details: { spec } });
}

/** Parses `onnx:<id>`, `http:<base-url>[#<model>]` or `none`; throws INPUT_INVALID otherwise. */
export function parseRerankerSpec(spec: string): RerankerSpec {
  const parts = splitModelSpec(spec, (why) => invalid(spec, why));
  if (parts === null) return { kind: 'none' };
  const { kind, rest } = parts;
  switch (kind) {
    case 'onnx':
      if (!rest) throw invalid(spec, 'the model id is missing');
      return { kind: 'onnx', modelId: rest };
    case 'http': {
      const hash = rest.lastIndexOf('#');
      const model = hash < 0 ? undefined : rest.slice(hash + 1).trim();
      if (model === '') throw invalid(spec, 'the model after `#` is empty');
      const baseUrl = modelServerBaseUrl(hash < 0 ? rest : rest.slice(0, hash), (why) => invalid(spec, why));
      return model === undefined ? { kind: 'http', baseUrl } : { kind: 'http', baseUrl, model };
    }
    default:
      throw invalid(spec, `unknown kind "${kind}"`);
  }
}

/** The canonical id of a spec (stable across spacing and trailing slashes). */
export function rerankerSpecId(spec: RerankerSpec): string {
  switch (spec.kind) {
    case 'onnx':
      return `onnx:${spec.modelId}`;
    case 'http':
      return spec.model === undefined ? `http:${spec.baseUrl}` : `http:${spec.baseUrl}#${spec.model}`;
    case 'none':
      return 'none';
  }
}
