import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version in package.json (src/core and dist/core are both two levels below the package root). */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
