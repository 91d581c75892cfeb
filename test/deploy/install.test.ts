import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../src/testing/shared-data.js';

const semver = createRequire(import.meta.url)('semver') as { minVersion(range: string): { version: string } | null; satisfies(version: string, range: string): boolean };
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };

test('every locked package runs on the oldest Node the README and package.json promise (no EBADENGINE)', () => {
  const oldest = semver.minVersion(manifest.engines.node)?.version;
  assert.ok(oldest, manifest.engines.node);
  const refusing = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && !Array.isArray(entry.engines) && entry.engines?.node !== undefined && !semver.satisfies(oldest, entry.engines.node))
    .map(([path, entry]) => `${path}@${entry.version} wants node ${(entry.engines as { node: string }).node}`);
  assert.deepEqual(refusing, [], `Node ${oldest} is below what these need: pin versions that support it (package.json overrides) or raise engines.node and the README`);
});

test('npm knows every setting of the project .npmrc (no "Unknown project config" on each command)', (t) => {
  const npm = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'warn' } });
  if (npm.error) {
    if (process.env.CI === 'true') throw npm.error;
    return t.skip(`npm is not on PATH (${npm.error.message}); it comes with Node.js`);
  }
  assert.equal(npm.status, 0, npm.stderr);
  assert.doesNotMatch(npm.stderr, /Unknown (project|user|global|env|cli) config/);
});

test('onnxruntime-node may not run its install script (a CUDA download) where npm reads allowScripts', () => {
  assert.equal(manifest.allowScripts?.['onnxruntime-node'], false);
});

test('npm ci keeps the portable HNSW build unless asked (the second compile is opt-in) and says how to ask', () => {
  const env = { ...process.env };
  delete env.CAIRN_TUNE_NATIVE;
  delete env.CAIRN_PORTABLE_BUILD;
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'tune-native.mjs')], { cwd: REPO_ROOT, encoding: 'utf8', env });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /keeping the portable hnswlib-node build\. `npm run tune-native` \(or CAIRN_TUNE_NATIVE=1 at npm ci\)/);
  assert.equal((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['tune-native'], 'node scripts/tune-native.mjs --now');
});
