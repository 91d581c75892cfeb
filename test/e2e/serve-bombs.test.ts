import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildZip, deflatedZeros, docxEntries } from '../../src/testing/build-zip.js';
import { SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';

const files = sharedPath('data', 'files');
const MIB = 1024 ** 2;
const REAL_FILES = ['docx/mammoth__tables.docx', 'docx/unstructured__docx-tables.docx', 'md/docling__wiki.md', 'html/unstructured__fake-html.html'];

interface JobView {
  status: string;
  progress: { filesDone: number; filesFailed: number; filesSkipped: number };
  errors: { file: string; code: string; reason: string }[];
}

/** VmHWM (peak resident set) of a process in bytes, from /proc; undefined off Linux. */
function peakRss(pid: number): number | undefined {
  try {
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Issue 12 part 2 end to end: DOCX bombs of 1 GiB (an honest and a lying central directory) uploaded
 * to the real `cairn serve` with real files beside them. The server's peak RSS after the job must
 * stay within 150 MiB of its peak when idle (VmHWM of the child, read from /proc).
 */
describe('cairn serve refuses decompression bombs without taking the process', { skip: files ? false : SHARED_MISSING }, () => {
  let home: string;
  let served: CairnServe | undefined;
  let bombs: { honest: Buffer; lying: Buffer };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-serve-bombs-'));
    const zeros = await deflatedZeros(1024 ** 3);
    bombs = {
      honest: buildZip(docxEntries('', { name: 'word/document.xml', compressed: zeros })),
      lying: buildZip(docxEntries('', { name: 'word/document.xml', compressed: zeros, declaredSize: 4096 })),
    };
  });
  after(async () => {
    await served?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('an upload of two 1 GiB bombs and four real files: PARSE_BOMB twice, four ingested, peak RSS within +150 MiB of idle', async (t) => {
    served = await startCairnServe({ CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' });
    const headers = { authorization: `Bearer ${served.adminKey}` };
    const pid = served.child.pid!;
    const idle = peakRss(pid);

    const form = new FormData();
    form.append('file', new Blob([bombs.honest]), 'bomb-honest.docx');
    form.append('file', new Blob([bombs.lying]), 'bomb-lying.docx');
    for (const path of REAL_FILES) form.append('file', new Blob([readFileSync(join(files!, path))]), path.split('/').pop()!);
    const submitted = await fetch(`${served.url}/v1/collections/bombs/documents`, { method: 'POST', headers, body: form });
    assert.equal(submitted.status, 202, await submitted.clone().text());
    const { job } = (await submitted.json()) as { job: { id: string } };

    let view: JobView;
    for (;;) {
      view = (await (await fetch(`${served.url}/v1/jobs/${job.id}`, { headers })).json()) as JobView;
      if (view.status !== 'queued' && view.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(view.status, 'succeeded', JSON.stringify(view));
    const codes = new Map(view.errors.map((error) => [error.file.split('/').pop(), error]));
    assert.equal(codes.get('bomb-honest.docx')?.code, 'PARSE_BOMB', JSON.stringify(view.errors));
    assert.match(codes.get('bomb-honest.docx')?.reason ?? '', /ingest\.limits\.zip\.maxRatio/);
    assert.equal(codes.get('bomb-lying.docx')?.code, 'PARSE_BOMB', JSON.stringify(view.errors));
    assert.equal(view.progress.filesDone, REAL_FILES.length);

    const peak = peakRss(pid);
    if (idle === undefined || peak === undefined) return t.skip('no /proc/<pid>/status here: peak RSS not measured');
    t.diagnostic(`cairn serve VmHWM: idle ${(idle / MIB).toFixed(0)} MiB, after the bombs ${(peak / MIB).toFixed(0)} MiB`);
    assert.ok(peak - idle < 150 * MIB, `peak RSS grew from ${(idle / MIB).toFixed(0)} to ${(peak / MIB).toFixed(0)} MiB`);
  });
});
