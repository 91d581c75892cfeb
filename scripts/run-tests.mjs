#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's own test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [path-substring ...]   (filters test files by substring)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) out.push(relative(root, path));
  }
  return out;
}

const files = [...collect(join(root, 'src'), []), ...collect(join(root, 'test'), []), ...collect(join(root, 'web', 'src'), [])]
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
// The end-to-end tests run the real binary (bin/cairn.js → dist/), so compile first.
const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('run-tests: the TypeScript build failed');
  process.exit(build.status ?? 1);
}
// The web UI's unit tests compile with web/tsconfig.json (DOM types, React JSX), so they run in their own pass.
const isWeb = (file) => file.startsWith(`web${sep}`);
const passes = [files.filter((file) => !isWeb(file)), files.filter(isWeb)];
let status = 0;
for (const [index, pass] of passes.entries()) {
  if (pass.length === 0) continue;
  const env = { ...process.env, NODE_ENV: 'test', ...(index === 1 ? { TSX_TSCONFIG_PATH: join(root, 'web', 'tsconfig.json') } : {}) };
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...pass], { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
