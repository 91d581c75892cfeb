/**
 * Decompression bombs through the bounded parsers against the libraries called directly (the path
 * before issue 12), each case in its own process so its peak RSS is its own: wall time and peak RSS
 * growth over the process before the parse (VmHWM reset through /proc/self/clear_refs, Linux).
 * Bombs are built in memory at run time by streaming zeros (or spaces) through deflate.
 *   node --import tsx bench/parse-bombs.ts [--gib 1]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import mammoth from 'mammoth';
import { parseFile } from '../src/ingest/parse/parse-file.js';
import { DEFAULT_PARSE_LIMITS } from '../src/ingest/parse/parse-limits.js';
import { pagedPdf } from '../src/testing/build-pdf.js';
import { buildZip, deflatedZeros, docxEntries } from '../src/testing/build-zip.js';
import { loadAverage, machineFacts, report, round } from './bench-support.js';

const CASES = ['docx-honest', 'docx-lying', 'pdf-stream'] as const;
type Case = (typeof CASES)[number];

function vm(field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;
}

async function bomb(name: Case, gib: number): Promise<Buffer> {
  if (name === 'pdf-stream') {
    const page = Buffer.alloc(256 * 1024 * 1024, 0x20);
    Buffer.from('BT /F1 12 Tf 72 720 Td (bomb) Tj ET').copy(page);
    return pagedPdf(1, { dictionary: '/Filter /FlateDecode', data: deflateSync(page, { level: 9 }) });
  }
  const zeros = await deflatedZeros(gib * 1024 ** 3);
  return name === 'docx-honest'
    ? buildZip(docxEntries('', { name: 'word/document.xml', compressed: zeros }))
    : buildZip(docxEntries('', { name: 'word/document.xml', compressed: zeros, declaredSize: 4096 }));
}

/** One measurement in this process: `bounded` through parseFile, else the library on the whole file. */
async function child(name: Case, bounded: boolean, gib: number): Promise<void> {
  const bytes = await bomb(name, gib);
  const extension = name === 'pdf-stream' ? 'pdf' : 'docx';
  // Load the parser's libraries first: a server has them loaded; loading is not what is measured.
  if (extension === 'docx') await mammoth.convertToHtml({ buffer: buildZip(docxEntries('warm')) });
  else await parseFile({ bytes: pagedPdf(1, { dictionary: '', data: Buffer.from('BT /F1 12 Tf 72 720 Td (warm) Tj ET') }), fileName: 'w.pdf', extension, relativePath: 'w.pdf' });
  writeFileSync('/proc/self/clear_refs', '5');
  const idle = vm('VmRSS');
  const started = performance.now();
  let outcome: string;
  try {
    if (bounded) await parseFile({ bytes, fileName: `bomb.${extension}`, extension, relativePath: `bomb.${extension}` });
    else if (extension === 'docx') await mammoth.convertToHtml({ buffer: bytes });
    else await parseFile({ bytes, fileName: 'bomb.pdf', extension, relativePath: 'bomb.pdf', limits: { ...DEFAULT_PARSE_LIMITS, pdf: { ...DEFAULT_PARSE_LIMITS.pdf, maxStreamBytes: 2 ** 40 } } });
    outcome = 'parsed';
  } catch (error) {
    outcome = (error as { code?: string }).code ?? (error instanceof Error ? error.message.slice(0, 60) : String(error));
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`CHILD ${JSON.stringify({ name, bounded, outcome, seconds: round(seconds, 2), fileBytes: bytes.length, idleRssMiB: round(idle, 0), peakGrowthMiB: round(vm('VmHWM') - idle, 0) })}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const gib = Number(args[args.indexOf('--gib') + 1] ?? 1) || 1;
  const childCase = args.indexOf('--case');
  if (childCase >= 0) return child(args[childCase + 1] as Case, args.includes('--bounded'), gib);
  const facts = machineFacts();
  const rows: Record<string, unknown>[] = [];
  for (const name of CASES) {
    for (const bounded of [true, false]) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--case', name, '--gib', String(gib), ...(bounded ? ['--bounded'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const line = run.stdout.split('\n').find((text) => text.startsWith('CHILD '));
      if (!line) throw new Error(`case ${name} ${bounded ? 'bounded' : 'unbounded'} failed: ${run.stderr.slice(-2000)}`);
      rows.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
    }
  }
  report('parse-bombs', { ...facts, gib, rows, loadAverageAfter: loadAverage() }, [
    `DOCX bombs inflate to ${gib} GiB; the PDF stream to 256 MiB. Load ${facts.loadAverageBefore.join(' ')} → ${loadAverage().join(' ')}.`,
    '| case | path | outcome | wall s | peak RSS growth MiB |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.name} | ${row.bounded ? 'bounded' : 'library on the whole file'} | ${row.outcome} | ${row.seconds} | ${row.peakGrowthMiB} |`),
  ]);
}

await main();
