#!/usr/bin/env node
// Rebuilds hnswlib-node (the HNSW accelerator, C++ compiled from source by `npm ci`) for this machine's
// CPU: node-gyp's default flags target the oldest x86-64 (SSE2), which leaves AVX2/AVX-512 unused in
// the distance loops that dominate graph search and inserts. Measured on the 2-core CI machine kind:
// HNSW search at efSearch 320 over 82k 256-d vectors 0.62 → 0.45 ms (docs/decisions/0016-native-tuning.md).
//
// Opt-in (docs/decisions/0028-install.md): the second compile doubles the slowest step of an install
// on a busy machine. `npm run tune-native` runs it (`--now`), as does the `postinstall` script when
// CAIRN_TUNE_NATIVE=1 (.ci/run sets it, so benchmarks run on the tuned build); otherwise the
// postinstall only says how. Never fails the install: when the tuned build fails, or the tuned addon
// does not load and search, the portable build is restored. CAIRN_PORTABLE_BUILD=1 always keeps the
// portable build (an image built on one machine and run on another, older CPU).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = join(root, 'node_modules', 'hnswlib-node');
const addon = join(packageDir, 'build', 'Release', 'addon.node');
const marker = join(packageDir, 'build', 'cairn-tuned.json');
const say = (text) => process.stderr.write(`cairn postinstall: ${text}\n`);

function flagsForThisMachine() {
  if (process.arch === 'x64') return '-O3 -march=native';
  if (process.arch === 'arm64') return '-O3 -mcpu=native';
  return undefined;
}

/** Seconds between "still building" lines: an install is never silent for long (npm shows them with foreground-scripts). */
const HEARTBEAT_S = 15;

/** `npm rebuild hnswlib-node` with these CXXFLAGS (undefined: node-gyp's portable defaults), saying how long it took. */
function rebuild(cxxflags) {
  const env = { ...process.env };
  if (cxxflags === undefined) delete env.CXXFLAGS;
  else env.CXXFLAGS = cxxflags;
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm, 'rebuild', 'hnswlib-node']] : ['npm', ['rebuild', 'hnswlib-node']];
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(0);
  const heartbeat = setInterval(() => say(`still compiling hnswlib-node (${seconds()} s)…`), HEARTBEAT_S * 1000);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text) => {
      stderr = (stderr + text).slice(-4000);
    });
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (status) => {
      clearInterval(heartbeat);
      say(`hnswlib-node compiled in ${seconds()} s.`);
      resolve({ ok: status === 0, error: stderr.split('\n').filter(Boolean).slice(-3).join(' | ') });
    });
  });
}

/** Loads the addon in a child process and runs one search: an illegal instruction kills only the child. */
function addonWorks() {
  const probe = `
    const { HierarchicalNSW } = require(${JSON.stringify(packageDir)});
    const index = new HierarchicalNSW('cosine', 64);
    index.initIndex(64, 16, 50);
    for (let i = 0; i < 64; i++) index.addPoint(Array.from({ length: 64 }, (_, j) => Math.sin(i * 7 + j)), i);
    const { neighbors } = index.searchKnn(Array.from({ length: 64 }, (_, j) => Math.sin(21 + j)), 1);
    if (neighbors[0] !== 3) throw new Error('unexpected neighbour ' + neighbors[0]);`;
  return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore' }).status === 0;
}

async function main() {
  if (!existsSync(addon)) return say('hnswlib-node is not built here; nothing to tune.');
  const flags = flagsForThisMachine();
  if (process.env.CAIRN_PORTABLE_BUILD === '1' || flags === undefined) {
    return say(`keeping the portable hnswlib-node build${flags === undefined ? ` (no tuning known for ${process.arch})` : ' (CAIRN_PORTABLE_BUILD=1)'}.`);
  }
  if (!process.argv.includes('--now') && process.env.CAIRN_TUNE_NATIVE !== '1') {
    return say(
      'keeping the portable hnswlib-node build. `npm run tune-native` (or CAIRN_TUNE_NATIVE=1 at npm ci) compiles it again for this CPU: HNSW searches about a quarter faster, for one more compile.',
    );
  }
  const wanted = { flags, cpu: cpus()[0]?.model ?? 'unknown', node: process.version };
  if (existsSync(marker)) {
    try {
      const built = JSON.parse(readFileSync(marker, 'utf8'));
      if (built.flags === wanted.flags && built.cpu === wanted.cpu && built.node === wanted.node && addonWorks()) return;
    } catch {
      // An unreadable marker: rebuild.
    }
  }
  say(`compiling hnswlib-node again for this CPU (${flags}): HNSW searches about a quarter faster than the portable build; CAIRN_PORTABLE_BUILD=1 skips this…`);
  const tuned = await rebuild(flags);
  if (tuned.ok && addonWorks()) {
    writeFileSync(marker, `${JSON.stringify(wanted)}\n`);
    return;
  }
  say(`the tuned build ${tuned.ok ? 'does not run here' : `failed (${tuned.error})`}; restoring the portable build.`);
  const portable = await rebuild(undefined);
  if (!portable.ok || !addonWorks()) say(`restoring the portable build failed too (${portable.error}); reinstall with \`npm ci\`.`);
}

await main();
