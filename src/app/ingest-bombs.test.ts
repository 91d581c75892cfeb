import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config/load-config.js';
import { buildZip, deflatedZeros, docxEntries } from '../testing/build-zip.js';
import { sharedPath, SHARED_MISSING } from '../testing/shared-data.js';
import { parseFile } from '../ingest/parse/parse-file.js';
import { ingest } from './ingest.js';
import { openCairn } from './open-cairn.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** VmRSS or VmHWM (peak) of this process in bytes, from /proc (Linux); undefined elsewhere. */
function procMemory(field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux 4.0+, `/proc/<pid>/clear_refs`); false where that is not possible. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const REAL_FILES = ['docx/mammoth__tables.docx', 'docx/unstructured__category-level.docx', 'docx/docling__word_sample.docx', 'md/docling__wiki.md', 'html/unstructured__fake-html.html'];

/**
 * The review's finding: a 2 MB DOCX inflating to 2 GiB was parsed in memory (2.28 GB RSS, 81 s) and
 * then reported as PARSE_CORRUPT. Both bombs here are a `word/document.xml` (the part mammoth reads
 * first) that inflates to 1 GiB: one declares it honestly, one declares 4 KiB (a lying central
 * directory). They are built at test time, in a temporary folder, by streaming zeros through
 * deflate (~1 MiB each), never committed.
 */
test('DOCX bombs of 1 GiB, honest and lying, are PARSE_BOMB in seconds with bounded memory; the files beside them are ingested', async (t) => {
  const files = sharedPath('data/files');
  if (!files) return t.skip(SHARED_MISSING);
  const home = mkdtempSync(join(tmpdir(), 'cairn-bombs-home-'));
  const folder = mkdtempSync(join(tmpdir(), 'cairn-bombs-'));
  t.after(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
  });
  const zeros = await deflatedZeros(GIB);
  writeFileSync(join(folder, 'bomb-honest.docx'), buildZip(docxEntries('', { name: 'word/document.xml', compressed: zeros })));
  writeFileSync(join(folder, 'bomb-lying.docx'), buildZip(docxEntries('', { name: 'word/document.xml', compressed: zeros, declaredSize: 4096 })));
  for (const path of REAL_FILES) copyFileSync(join(files, path), join(folder, path.split('/').pop()!));

  const app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
  t.after(() => app.close());
  // A server has its parsers loaded: loading mammoth and cheerio is not what is measured.
  await parseFile({ bytes: readFileSync(join(files, REAL_FILES[0]!)), fileName: 'warm.docx', extension: 'docx', relativePath: 'warm.docx' });
  // Peak RSS of this process (node --test runs each file in its own) from here on, against its RSS now;
  // without /proc, the process's lifetime peak (which the setup above may already have set).
  const exact = resetPeak() && procMemory('VmRSS') !== undefined;
  const idle = exact ? procMemory('VmRSS')! : process.resourceUsage().maxRSS * 1024;
  // CPU time of this process (all its threads), not wall time: on a loaded shared machine the wall
  // clock measures the neighbours, while the CPU spent is what a bomb would blow up.
  const cpuBefore = process.cpuUsage();
  const summary = await ingest(app, { collection: 'bombs', sources: [folder] });
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (cpu.user + cpu.system) / 1e6;
  const peakGrowth = (exact ? procMemory('VmHWM')! : process.resourceUsage().maxRSS * 1024) - idle;

  const skipped = new Map(summary.skipped.map((entry) => [entry.relativePath, entry]));
  assert.equal(skipped.get('bomb-honest.docx')?.code, 'PARSE_BOMB');
  assert.match(skipped.get('bomb-honest.docx')?.reason ?? '', /entry "word\/document\.xml" declares 1\.0 GiB .* over the limit of 100:1 \(ingest\.limits\.zip\.maxRatio\)/);
  assert.equal(skipped.get('bomb-lying.docx')?.code, 'PARSE_BOMB');
  assert.match(skipped.get('bomb-lying.docx')?.reason ?? '', /entry "word\/document\.xml" inflates past the 4096 bytes its central directory declares/);
  assert.equal(summary.filesSkipped, 2, JSON.stringify(summary.skipped));
  assert.equal(summary.filesNew, REAL_FILES.length, 'every real file next to the bombs is ingested');
  // The one time bound. Refusing both bombs takes milliseconds (a central directory read, one
  // 64 KiB inflate step); the 5 s of CPU leave room for parsing the real files.
  // Before the inspector, mammoth spent 81 s on a 2 GiB bomb.
  assert.ok(seconds < 5, `the ingest took ${seconds.toFixed(1)} s of CPU`);
  assert.ok(peakGrowth < 150 * MIB, `peak RSS grew by ${(peakGrowth / MIB).toFixed(0)} MiB`);
});
