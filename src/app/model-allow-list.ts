import { DEFAULT_EMBEDDER, type CairnConfig } from '../config/config-schema.js';
import { CairnError } from '../core/cairn-error.js';
import { embedderSpecId, parseEmbedderSpec } from '../models/embed/parse-embedder-spec.js';
import { urlWithinPrefix } from '../models/endpoint-credentials.js';
import { isValidModelId } from '../models/model-files/model-id.js';
import { parseRerankerSpec, rerankerSpecId } from '../models/rerank/parse-reranker-spec.js';

/** What a model spec is for: its grammar, the configured spec it may equal, the prefix kind of `models.allowed`. */
export type ModelSpecRole = 'embedder' | 'reranker';

interface ParsedRequestSpec {
  id: string;
  /** Base URL of a model server (`openai:`, `http:`); absent for local models. */
  baseUrl?: string;
  /** Model id or folder of a local model (`onnx:`, `static:`). */
  localRef?: string;
}

/**
 * The one check of a model spec that a request (HTTP body, MCP tool argument) carries, so that a caller
 * with a key cannot make the server contact a host or read a folder the operator did not choose:
 * - `none` is always allowed (no model, nothing is contacted);
 * - the spec configured for the role (`embedder` or its default, `memory.embedder`; `rerank.reranker`) is
 *   allowed: naming it changes nothing;
 * - a `static:`/`onnx:` spec must name a model id (`owner/name`, looked up in CAIRN_MODELS_DIR, the cache
 *   under $CAIRN_HOME/models, then the hub), never a filesystem path;
 * - anything else must be in `models.allowed`: the exact spec, or an `openai:<base-url>` (embedders) /
 *   `http:<base-url>` (rerankers) entry without `#model` whose base URL covers the spec's (urlWithinPrefix).
 * Throws INPUT_INVALID for a malformed spec and MODEL_NOT_ALLOWED otherwise. The CLI's own settings reach
 * the use cases as configuration (flags are its top layer), so they always pass.
 */
export function assertModelAllowed(config: CairnConfig, spec: string, role: ModelSpecRole): void {
  const parsed = parseForRole(spec, role);
  if (parsed === null) return;
  if (configuredSpecs(config, role).some((configured) => canonical(configured, role) === parsed.id)) return;
  const label = role === 'embedder' ? 'Embedder' : 'Reranker';
  if (parsed.localRef !== undefined && !isValidModelId(parsed.localRef)) {
    throw new CairnError('MODEL_NOT_ALLOWED', `${label} "${spec}" names a filesystem path; a request may name local models only by id (owner/name).`, {
      hint: 'Put the model in CAIRN_MODELS_DIR (or $CAIRN_HOME/models) as <owner>/<name>/ and add `static:<owner>/<name>` (or `onnx:…`) to models.allowed; or set it up with the cairn CLI, which is not limited.',
      details: { spec, setting: 'models.allowed' },
    });
  }
  if (config.models.allowed.some((entry) => entryAllows(entry, parsed, role))) return;
  const configured = configuredSpecs(config, role)[0];
  throw new CairnError(
    'MODEL_NOT_ALLOWED',
    `${label} "${spec}" is not allowed: a request may name only the configured ${role}${configured ? ` (${configured})` : ''} or one listed in models.allowed.`,
    {
      hint:
        `The operator can add it to models.allowed in cairn.config.json (or CAIRN_MODELS_ALLOWED, comma-separated): the exact spec, ` +
        `or ${role === 'embedder' ? '`openai:<base-url>`' : '`http:<base-url>`'} for every model of a server; the cairn CLI is not limited.`,
      details: { spec, setting: 'models.allowed' },
    },
  );
}

function parseForRole(spec: string, role: ModelSpecRole): ParsedRequestSpec | null {
  if (role === 'embedder') {
    const parsed = parseEmbedderSpec(spec);
    if (parsed.kind === 'none') return null;
    const id = embedderSpecId(parsed);
    if (parsed.kind === 'openai') return { id, baseUrl: parsed.baseUrl };
    return { id, localRef: parsed.kind === 'onnx' ? parsed.modelId : parsed.ref };
  }
  const parsed = parseRerankerSpec(spec);
  if (parsed.kind === 'none') return null;
  const id = rerankerSpecId(parsed);
  return parsed.kind === 'http' ? { id, baseUrl: parsed.baseUrl } : { id, localRef: parsed.modelId };
}

function configuredSpecs(config: CairnConfig, role: ModelSpecRole): string[] {
  if (role === 'reranker') return [config.rerank.reranker];
  return [config.embedder ?? DEFAULT_EMBEDDER, ...(config.memory.embedder ? [config.memory.embedder] : [])];
}

/** The canonical id of a configured or listed spec; null when it does not parse for the role. */
function canonical(spec: string, role: ModelSpecRole): string | null {
  try {
    return parseForRole(spec, role)?.id ?? 'none';
  } catch {
    return null;
  }
}

function entryAllows(entry: string, parsed: ParsedRequestSpec, role: ModelSpecRole): boolean {
  const prefixKind = role === 'embedder' ? 'openai:' : 'http:';
  const trimmed = entry.trim();
  if (trimmed.startsWith(prefixKind) && !trimmed.includes('#')) {
    return parsed.baseUrl !== undefined && urlWithinPrefix(parsed.baseUrl, trimmed.slice(prefixKind.length).trim());
  }
  return canonical(trimmed, role) === parsed.id;
}
