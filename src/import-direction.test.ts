import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/**
 * ARCHITECTURE.md: dependencies point one way, core ← config ← models / stores ← ingest / retrieve /
 * answer / eval ← app ← http / cli / mcp. A folder may import from its own layer and the ones below,
 * never from one above. observe/ (the Prometheus telemetry) sits with models and stores. testing/ and
 * test support files (tests, contract suites, fixtures, benchmarks) may import anything, and production
 * code never imports them.
 */
const LAYERS: Record<string, number> = {
  core: 0,
  config: 1,
  models: 2,
  stores: 2,
  observe: 2,
  ingest: 3,
  retrieve: 3,
  answer: 3,
  eval: 3,
  app: 4,
  http: 5,
  cli: 5,
  mcp: 5,
};
const TEST_SUPPORT = /(\.test|\.contract|\.fixture|-fixtures|\.bench)\.tsx?$/;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(directory: string, out: string[] = []): string[] {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

/** The top folder under `root` that a path lies in ('' for a file directly in it). */
function area(root: string, path: string): string {
  const parts = relative(root, path).split(sep);
  return parts.length > 1 ? parts[0]! : '';
}

/** Every import of a file under `root` that points up the layers, or from production code into test support. */
export function importViolations(root: string): string[] {
  const violations: string[] = [];
  for (const file of sourceFiles(root)) {
    const from = area(root, file);
    const testSupport = from === 'testing' || TEST_SUPPORT.test(file);
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const target = resolve(dirname(file), match[1]!);
      const to = area(root, target);
      const name = `${relative(root, file)} → ${match[1]}`;
      if (!testSupport && (to === 'testing' || TEST_SUPPORT.test(target.replace(/\.js$/, '.ts')))) {
        violations.push(`${name}: production code imports test support`);
        continue;
      }
      if (testSupport) continue;
      const fromLayer = LAYERS[from];
      const toLayer = LAYERS[to];
      if (fromLayer === undefined || toLayer === undefined) {
        if (to !== from) violations.push(`${name}: ${from || 'src'} or ${to || 'src'} has no layer (add it to LAYERS and ARCHITECTURE.md)`);
        continue;
      }
      if (toLayer > fromLayer) violations.push(`${name}: ${from} (layer ${fromLayer}) imports ${to} (layer ${toLayer})`);
    }
  }
  return violations;
}

test('imports point down the layers of ARCHITECTURE.md, and production code never imports test support', () => {
  const root = dirname(fileURLToPath(import.meta.url));
  assert.deepEqual(importViolations(root), []);
});

test('the check finds an upward import, an import of test support and an unknown folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'cairn-layers-'));
  try {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('core/types.ts', "import type { App } from '../app/app.js';\n");
    write('app/app.ts', "import { fake } from '../testing/fake.js';\nimport { ok } from '../core/types.js';\n");
    write('testing/fake.ts', "import { App } from '../app/app.js';\n");
    write('stores/store.test.ts', "import { App } from '../app/app.js';\n");
    write('plugins/extra.ts', "import { ok } from '../core/types.js';\n");
    assert.deepEqual(importViolations(root).sort(), [
      'app/app.ts → ../testing/fake.js: production code imports test support',
      'core/types.ts → ../app/app.js: core (layer 0) imports app (layer 4)',
      'plugins/extra.ts → ../core/types.js: plugins or core has no layer (add it to LAYERS and ARCHITECTURE.md)',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
