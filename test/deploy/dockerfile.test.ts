import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import ignore from 'ignore';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { startCairnServe } from '../e2e/start-cairn-serve.js';

const TEXT = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const DOCKERFILE = DockerfileParser.parse(TEXT);
const INSTRUCTIONS = DOCKERFILE.getInstructions();

/** The instructions of each stage, by stage name (`FROM … AS name`). */
function stages(): Map<string, Instruction[]> {
  const out = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const instruction of INSTRUCTIONS) {
    if (instruction.getKeyword() === 'FROM') {
      current = [];
      out.set(DOCKERFILE.getFROMs().find((from) => from.getRange().start.line === instruction.getRange().start.line)?.getBuildStage() ?? `#${out.size}`, current);
    } else current?.push(instruction);
  }
  return out;
}

/** The text after the keyword, flags included, continuation lines joined. */
const body = (instruction: Instruction): string => {
  const range = instruction.getRange();
  const lines = TEXT.split('\n').slice(range.start.line, range.end.line + 1).map((line) => line.replace(/\\$/, '').trim());
  return lines.join(' ').replace(/^\S+\s+/, '').replace(/\s+/g, ' ');
};

const flag = (instruction: Instruction, name: string): string | undefined =>
  (instruction as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags?.().find((f) => f.getName() === name)?.getValue() ?? undefined;

/** The JSON (exec) form of CMD, ENTRYPOINT or HEALTHCHECK CMD. */
function execForm(instruction: Instruction): string[] {
  const text = body(instruction).replace(/^(--\S+\s+)*/, '').replace(/^CMD\s+/, '');
  const parsed: unknown = JSON.parse(text);
  assert.ok(Array.isArray(parsed) && parsed.every((part) => typeof part === 'string'), `${instruction.getKeyword()} uses the exec form`);
  return parsed;
}

const only = (keyword: string, list = INSTRUCTIONS): Instruction => {
  const found = list.filter((instruction) => instruction.getKeyword() === keyword);
  assert.equal(found.length, 1, `one ${keyword}`);
  return found[0]!;
};

test('the Dockerfile parses and the Docker language service finds no problem in it (dockerfile-utils)', () => {
  const problems = validate(TEXT).map((diagnostic) => `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
  assert.deepEqual(problems, []);
  assert.ok(INSTRUCTIONS.length > 20, `${INSTRUCTIONS.length} instructions parsed`);
});

test('two stages on the Debian-slim Node 20 image: build, then runtime (the default target)', () => {
  const arg = INSTRUCTIONS.find((instruction) => instruction.getKeyword() === 'ARG' && body(instruction).startsWith('NODE_IMAGE='));
  assert.ok(arg, 'ARG NODE_IMAGE');
  assert.match(body(arg), /^NODE_IMAGE=node:20-bookworm-slim$/);
  assert.deepEqual([...stages().keys()], ['build', 'runtime']);
  for (const from of DOCKERFILE.getFROMs()) assert.equal(from.getImage(), '${NODE_IMAGE}');
});

test('the build stage compiles both native addons with the portable switch, builds dist/ and web/dist, prunes dev dependencies', () => {
  const build = stages().get('build')!;
  const env = build.filter((instruction) => instruction.getKeyword() === 'ENV').map(body).join(' ');
  assert.match(env, /\bCAIRN_PORTABLE_BUILD=1\b/);
  assert.match(env, /\bONNXRUNTIME_NODE_INSTALL=skip\b/);
  const runs = build.filter((instruction) => instruction.getKeyword() === 'RUN').map(body).join(' && ');
  assert.match(runs, /npm ci\b/);
  assert.match(runs, /npm rebuild better-sqlite3 hnswlib-node\b/);
  assert.match(runs, /node scripts\/tune-native\.mjs\b/, "the project's postinstall runs, and keeps the portable build");
  assert.match(runs, /npm run build\b/);
  assert.match(runs, /npm prune --omit=dev\b/);
  assert.ok(runs.indexOf('npm run build') < runs.indexOf('npm prune'), 'prune after the build (the build needs TypeScript and Vite)');
});

test('nothing names a CPU or an architecture: the same file builds on amd64 and arm64', () => {
  for (const instruction of INSTRUCTIONS) {
    assert.doesNotMatch(body(instruction), /-m(arch|cpu|tune)=|\b(amd64|x86_64|x64|arm64|aarch64|armv\d)\b/, `line ${instruction.getRange().start.line + 1}`);
  }
});

test('the runtime stage: a non-root numeric user after the last RUN, data under a volume, a health check, entrypoint cairn, serve by default', () => {
  const runtime = stages().get('runtime')!;
  const user = only('USER', runtime);
  const [uid, gid] = body(user).split(':');
  assert.match(uid!, /^[1-9]\d*$/, 'a numeric uid (Kubernetes runAsNonRoot can check it), not root');
  assert.match(gid ?? '1', /^[1-9]\d*$/);
  const userAt = runtime.indexOf(user);
  assert.ok(runtime.slice(userAt).every((instruction) => instruction.getKeyword() !== 'RUN'), 'no RUN as the runtime user');
  assert.equal(body(only('VOLUME', runtime)), '/data');
  assert.match(runtime.filter((instruction) => instruction.getKeyword() === 'ENV').map(body).join(' '), /\bCAIRN_HOME=\/data\b/);
  assert.match(runtime.filter((instruction) => instruction.getKeyword() === 'RUN').map(body).join(' '), /useradd .*--uid 10001\b/);
  assert.deepEqual(body(only('EXPOSE', runtime)).split(' '), ['7700', '7701']);
  const healthcheck = only('HEALTHCHECK', runtime);
  for (const name of ['interval', 'timeout', 'start-period', 'retries']) assert.ok(flag(healthcheck, name), `HEALTHCHECK --${name}`);
  assert.equal(execForm(healthcheck)[0], 'node', 'the health check runs with node (the slim image has no curl)');
  const entrypoint = execForm(only('ENTRYPOINT', runtime));
  assert.equal(entrypoint.at(-1), 'cairn');
  assert.deepEqual(execForm(only('CMD', runtime)), ['serve', '--host', '0.0.0.0']);
  assert.match(runtime.filter((instruction) => instruction.getKeyword() === 'RUN').map(body).join(' '), /ln -s \/app\/bin\/cairn\.js \/usr\/local\/bin\/cairn\b/);
  assert.ok((statSync(join(REPO_ROOT, 'bin', 'cairn.js')).mode & 0o111) !== 0, 'bin/cairn.js is executable (the cairn link runs it)');
  const fromBuild = runtime.filter((instruction) => instruction.getKeyword() === 'COPY' && flag(instruction, 'from') === 'build').map((instruction) => body(instruction).split(' ').at(-2));
  assert.deepEqual(fromBuild.sort(), ['/app/bin/', '/app/dist/', '/app/node_modules/', '/app/package.json', '/app/web/dist/']);
});

describe('the build context', () => {
  const rules = ignore().add(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  const sources = INSTRUCTIONS.filter((instruction) => instruction.getKeyword() === 'COPY' && !flag(instruction, 'from'))
    .flatMap((instruction) => body(instruction).split(' ').slice(0, -1));

  test('every file the COPY lines take from the repository is in it (.dockerignore leaves out tests only)', () => {
    assert.ok(sources.length >= 8, sources.join(' '));
    for (const source of sources) {
      const under = tracked.filter((file) => file === source || file.startsWith(source.endsWith('/') ? source : `${source}/`));
      assert.ok(under.length > 0, `${source} is not in the repository`);
      const excluded = under.filter((file) => rules.ignores(file) && !/\.test\.tsx?$/.test(file));
      assert.deepEqual(excluded, [], `${source}: .dockerignore leaves out files the build needs`);
    }
  });

  test('local state and secrets stay out of it', () => {
    for (const path of ['node_modules/x/index.js', 'web/node_modules/x.js', 'dist/cli/main.js', 'web/dist/index.html', '.git/HEAD', 'deploy/.env', '.cairn/cairn.db', 'cairn.config.json', 'src/app/ingest.test.ts']) {
      assert.ok(rules.ignores(path), `${path} is sent to the builder`);
    }
  });
});

test('dist/ imports only runtime dependencies: what `npm prune --omit=dev` keeps is what the image runs', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const builtins = new Set(builtinModules);
  const imported = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (name.endsWith('.js')) {
        const text = readFileSync(path, 'utf8');
        for (const [, specifier] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\brequire\s*\(\s*)['"]([^'"\s]+)['"]/gm)) {
          if (specifier!.startsWith('.') || specifier!.startsWith('node:') || builtins.has(specifier!)) continue;
          // Only package specifiers (a "from '…'" inside a message is not an import).
          if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/\S*)?$/i.test(specifier!)) continue;
          const parts = specifier!.split('/');
          imported.set(specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!, relative(REPO_ROOT, path));
        }
      }
    }
  };
  visit(join(REPO_ROOT, 'dist'));
  assert.ok(imported.has('fastify') && imported.has('better-sqlite3'), 'dist/ was read (npm run build, or the test runner, builds it)');
  const devOnly = [...imported].filter(([name]) => !(name in manifest.dependencies)).map(([name, file]) => `${name} (${file})`);
  assert.deepEqual(devOnly, [], 'imported at run time but not a dependency');
});

test("the image's HEALTHCHECK command, run as the image runs it, passes against a real cairn serve and fails once it stops", async () => {
  const command = execForm(only('HEALTHCHECK', stages().get('runtime')!));
  const [program, ...args] = command.map((part) => part.replace(/^\/app\//, `${REPO_ROOT}/`));
  assert.equal(program, 'node');
  const home = mkdtempSync(join(tmpdir(), 'cairn-healthcheck-'));
  const serve = await startCairnServe({ CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' });
  const port = new URL(serve.url).port;
  // Both ports the check tries point at this server, so another process on this machine cannot answer.
  const check = () => spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '', CAIRN_PORT: port, CAIRN_WORKER_PORT: port }, encoding: 'utf8', timeout: 30_000 });
  try {
    const healthy = check();
    assert.equal(healthy.status, 0, healthy.stdout + healthy.stderr);
    assert.match(healthy.stdout, new RegExp(`^healthy: http://127\\.0\\.0\\.1:${port}/healthz$`, 'm'));
  } finally {
    await serve.stop();
    rmSync(home, { recursive: true, force: true });
  }
  const down = check();
  assert.equal(down.status, 1, down.stdout + down.stderr);
  assert.match(down.stdout, /^unhealthy: /m);
});
