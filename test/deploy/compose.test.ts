import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { composeSchemaValidator, interpolate, interpolatedVariables, loadComposeFile, readEnvExample } from './compose-file.js';
import { deployPath, readYaml, type Json } from './deploy-files.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  profiles?: string[];
  restart?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }> | string[];
  deploy?: { replicas?: number; resources?: { reservations?: { devices?: Json[] } } };
}

const ENV = readEnvExample();
const COMPOSE = loadComposeFile(ENV) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const SERVICES = COMPOSE.services;
const CAIRN_SERVICES = ['migrate', 'api', 'worker'];

test('compose.yaml, interpolated with .env.example, is valid against the Compose Specification schema', () => {
  const validate = composeSchemaValidator();
  const valid = validate(COMPOSE);
  assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  // The validator can fail: an unknown service key is refused.
  assert.equal(validate({ services: { api: { image: 'x', helthcheck: {} } } }), false);
});

test('every variable compose.yaml reads is documented in .env.example, and every documented one is read; required ones have a value there', () => {
  const text = readFileSync(deployPath('compose.yaml'), 'utf8');
  const used = interpolatedVariables(text);
  assert.deepEqual([...used].filter((name) => !ENV.has(name)), [], 'used but not in .env.example');
  assert.deepEqual([...ENV.keys()].filter((name) => !used.has(name)), [], 'in .env.example but unused');
  for (const [, name] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)) assert.ok(ENV.get(name!), `${name} is required: .env.example gives it a value`);
  assert.throws(() => interpolate('${POSTGRES_PASSWORD:?set it}', new Map()), /required variable POSTGRES_PASSWORD/);
  const ignored = execFileSync('git', ['check-ignore', 'deploy/.env'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  assert.equal(ignored, 'deploy/.env', 'the secrets file is ignored by git');
});

test('services: the core ones run without a profile, the LLM servers and monitoring under their own', () => {
  const profiles = Object.fromEntries(Object.entries(SERVICES).map(([name, service]) => [name, service.profiles ?? []]));
  assert.deepEqual(profiles, {
    postgres: [], redis: [], migrate: [], api: [], worker: [],
    llamacpp: ['llm-llamacpp'], vllm: ['llm-vllm'], prometheus: ['monitoring'], grafana: ['monitoring'],
  });
});

test('images: pgvector for PostgreSQL, the repository Dockerfile for Cairn, pinned tags elsewhere', () => {
  assert.match(SERVICES.postgres!.image!, /^pgvector\/pgvector:pg1[67]$/);
  for (const name of CAIRN_SERVICES) {
    const service = SERVICES[name]!;
    assert.equal(service.image, ENV.get('CAIRN_IMAGE'));
    assert.deepEqual(service.build, { context: '..', dockerfile: 'Dockerfile' });
    assert.ok(existsSync(`${deployPath(service.build!.context)}/${service.build!.dockerfile}`), `${name}: the Dockerfile it builds exists`);
  }
  // llama.cpp publishes rolling `server` builds only under build numbers that change daily.
  const floating = new Set(['ghcr.io/ggml-org/llama.cpp:server']);
  for (const [name, service] of Object.entries(SERVICES)) {
    assert.ok(service.image, `${name} names an image`);
    if (floating.has(service.image!)) continue;
    assert.match(service.image!, /:[\w.-]+$/, `${name}: a tag`);
    assert.doesNotMatch(service.image!, /:latest$/, `${name}: not latest`);
  }
});

test('the Cairn processes: a one-shot migration, an API-only server, N workers, one shared environment', () => {
  assert.deepEqual(SERVICES.migrate!.command, ['db', 'migrate']);
  assert.equal(SERVICES.migrate!.restart, 'no');
  assert.deepEqual(SERVICES.migrate!.healthcheck, { disable: true });
  assert.deepEqual(SERVICES.api!.command!.slice(0, 2), ['serve', '--no-jobs']);
  assert.deepEqual(SERVICES.api!.ports, [`${ENV.get('CAIRN_API_PORT')}:7700`]);
  assert.deepEqual(SERVICES.worker!.command, ['worker']);
  assert.equal(SERVICES.worker!.deploy?.replicas, Number(ENV.get('CAIRN_WORKERS')));
  const environments = CAIRN_SERVICES.map((name) => SERVICES[name]!.environment);
  for (const environment of environments) assert.deepEqual(environment, environments[0], 'one environment (x-cairn-environment)');
  const environment = environments[0]!;
  const database = new URL(environment.CAIRN_DATABASE_URL!);
  const postgres = SERVICES.postgres!.environment!;
  assert.equal(database.protocol, 'postgres:');
  assert.equal(database.hostname, 'postgres');
  assert.equal(database.port, '5432');
  assert.equal(database.username, postgres.POSTGRES_USER);
  assert.equal(decodeURIComponent(database.password), postgres.POSTGRES_PASSWORD);
  assert.equal(database.pathname, `/${postgres.POSTGRES_DB}`);
  assert.equal(new URL(environment.CAIRN_REDIS_URL!).hostname, 'redis');
  assert.equal(environment.CAIRN_HOME, '/data');
  for (const key of ['CAIRN_UPLOADS', 'AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) assert.ok(key in environment, `${key} is set in the one shared place`);
  const dockerfileHealthcheck = /^HEALTHCHECK .* CMD (\[.*\])$/m.exec(readFileSync(`${REPO_ROOT}/Dockerfile`, 'utf8'))?.[1];
  for (const name of ['api', 'worker']) {
    assert.deepEqual(SERVICES[name]!.healthcheck!.test, ['CMD', ...(JSON.parse(dockerfileHealthcheck!) as string[])], `${name} checks health as the image does`);
  }
});

test('depends_on: every dependency exists, waits for health where it has a health check and for completion of one-shot services', () => {
  for (const [name, service] of Object.entries(SERVICES)) {
    const dependencies = Array.isArray(service.depends_on) ? Object.fromEntries(service.depends_on.map((d) => [d, { condition: 'service_started' }])) : service.depends_on ?? {};
    for (const [target, { condition }] of Object.entries(dependencies)) {
      const dependency = SERVICES[target];
      assert.ok(dependency, `${name} depends on ${target}, which is not a service`);
      if ((service.profiles ?? []).length === 0) assert.deepEqual(dependency.profiles ?? [], [], `${name} runs without a profile but needs ${target}`);
      if (condition === 'service_healthy') assert.ok(dependency.healthcheck?.test, `${name} waits for ${target} to be healthy, which has no health check`);
      if (condition === 'service_completed_successfully') assert.equal(dependency.restart, 'no', `${name} waits for ${target} to finish, which restarts`);
      if (['postgres', 'redis'].includes(target)) assert.equal(condition, 'service_healthy', `${name} waits for ${target} to answer, not just to start`);
    }
  }
  for (const name of ['api', 'worker']) assert.equal((SERVICES[name]!.depends_on as Record<string, { condition: string }>).migrate?.condition, 'service_completed_successfully');
});

test('volumes: named ones are declared, mounted files exist in deploy/', () => {
  const declared = new Set(Object.keys(COMPOSE.volumes));
  for (const [name, service] of Object.entries(SERVICES)) {
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':');
      if (source!.startsWith('.') || source!.startsWith('/')) {
        // The llama.cpp models folder is the user's (LLAMACPP_MODELS_DIR); the rest ships in deploy/.
        if (name !== 'llamacpp') assert.ok(existsSync(deployPath(source!)), `${name} mounts ${source}, which is not in deploy/`);
      } else assert.ok(declared.has(source!), `${name} uses the volume ${source}, which is not declared`);
    }
  }
  assert.ok(SERVICES.postgres!.volumes!.some((volume) => volume.endsWith(':/var/lib/postgresql/data')), 'the database is on a volume');
});

test('the LLM profiles: llama.cpp serves a mounted GGUF, vLLM reserves the GPUs; Prometheus scrapes the compose services', () => {
  const llamacpp = SERVICES.llamacpp!;
  assert.ok(llamacpp.volumes!.some((volume) => volume.endsWith(':/models:ro')), 'llama.cpp mounts the models folder read-only');
  assert.equal(llamacpp.command![llamacpp.command!.indexOf('--model') + 1], `/models/${ENV.get('LLAMACPP_MODEL_FILE')}`);
  assert.match(ENV.get('LLAMACPP_MODEL_FILE')!, /\.gguf$/);
  const devices = SERVICES.vllm!.deploy!.resources!.reservations!.devices!;
  assert.deepEqual(devices, [{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }]);
  // The URLs .env.example suggests for CAIRN_LLM_URL name these services and ports.
  const example = readFileSync(deployPath('.env.example'), 'utf8');
  assert.match(example, /CAIRN_LLM_URL=http:\/\/llamacpp:8080\/v1/);
  assert.ok(llamacpp.command!.join(' ').includes('--port 8080'), 'llama.cpp listens on 8080');
  assert.match(example, /CAIRN_LLM_URL=http:\/\/vllm:8000\/v1/);
  assert.ok(SERVICES.vllm!.command!.join(' ').includes('--port 8000'), 'vLLM listens on 8000');

  const prometheus = readYaml(deployPath('prometheus', 'prometheus.yml')) as { scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[] };
  const ports: Record<string, number> = { api: 7700, worker: Number(/CAIRN_WORKER_PORT=(\d+)/.exec(readFileSync(`${REPO_ROOT}/Dockerfile`, 'utf8'))![1]) };
  const scraped = prometheus.scrape_configs.flatMap((scrape) => scrape.dns_sd_configs.flatMap((sd) => sd.names.map((host) => `${host}:${sd.port}`)));
  assert.deepEqual(scraped.sort(), Object.entries(ports).map(([service, port]) => `${service}:${port}`).sort());
  for (const host of scraped) assert.ok(SERVICES[host.split(':')[0]!], `${host} is a compose service`);
  assert.ok(SERVICES.prometheus!.volumes!.includes('./prometheus:/etc/prometheus:ro'), 'Prometheus reads deploy/prometheus/');
});
