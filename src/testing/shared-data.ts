import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `../shared` beside the repository holds the fixtures and models tests read (never copied into the
 * repo). Tests that need it call `sharedPath(...)` and skip with `SHARED_MISSING` when it is null.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_ROOT = process.env.CAIRN_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');

export const SHARED_MISSING = `skipped: ${SHARED_ROOT} is absent (fixtures and models live in ../shared beside the repository)`;

/** Absolute path inside ../shared, or null when that path does not exist. */
export function sharedPath(...parts: string[]): string | null {
  const path = resolve(SHARED_ROOT, ...parts);
  return existsSync(path) ? path : null;
}

export const REPO_ROOT = repoRoot;
