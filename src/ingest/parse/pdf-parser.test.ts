import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { deflateSync } from 'node:zlib';
import { test } from 'node:test';
import { buildPdf, pagedPdf, textContent, type PdfObject } from '../../testing/build-pdf.js';
import { DEFAULT_PARSE_LIMITS } from './parse-limits.js';
import { pdfParser } from './pdf-parser.js';

const parse = (bytes: Buffer, pdf: Partial<typeof DEFAULT_PARSE_LIMITS.pdf> = {}) =>
  pdfParser.parse({ bytes, fileName: 'a.pdf', extension: 'pdf', relativePath: 'a.pdf', limits: { ...DEFAULT_PARSE_LIMITS, pdf: { ...DEFAULT_PARSE_LIMITS.pdf, ...pdf } } });
const charsOf = (blocks: { text: string }[]) => blocks.reduce((sum, block) => sum + block.text.length, 0);

test('a 20,000-page PDF is read up to maxPages, and says so in its metadata', async () => {
  const document = await parse(pagedPdf(20_000, textContent('Chapter text of a very long manual')), { maxPages: 25 });
  assert.equal(document.pageCount, 20_000);
  assert.equal(document.blocks.length, 25);
  assert.deepEqual([...new Set(document.blocks.map((block) => ('page' in block ? block.page : 0)))].length, 25);
  assert.equal(document.metadata.truncated, 'read the first 25 of 20000 pages (ingest.limits.pdf.maxPages)');
});

test('text past maxChars is cut on the page where the cap is reached', async () => {
  const document = await parse(pagedPdf(10, textContent('0123456789'.repeat(5))), { maxChars: 120 });
  assert.equal(charsOf(document.blocks), 120);
  assert.equal(document.metadata.truncated, 'text cut at 120 characters, on page 3 of 10 (ingest.limits.pdf.maxChars)');
  const whole = await parse(pagedPdf(2, textContent('short')));
  assert.equal(whole.metadata.truncated, undefined);
});

/**
 * Form XObjects that each draw the one below ten times, seven levels deep: 10^7 draws of one line
 * from a 2 KB file. Uncapped, pdf.js spends minutes and gigabytes on the page; the text stream is
 * cancelled at maxChars. The delay afterwards lets chunks still in flight arrive: pdf.js used to
 * throw them into the cancelled stream, out of its message handler, ending the process.
 */
test('a PDF whose forms draw each other exponentially stops at maxChars (and the process survives)', async () => {
  const levels = 7;
  const first = 6;
  const forms: PdfObject[] = Array.from({ length: levels }, (_, level) => ({
    dictionary: `/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources ${level === 0 ? '<< /Font << /F1 3 0 R >> >>' : `<< /XObject << /L ${first + level - 1} 0 R >> >>`}`,
    data: Buffer.from(level === 0 ? 'BT /F1 12 Tf 72 700 Td (lol lol lol lol lol) Tj ET' : Array(10).fill('/L Do').join(' ')),
  }));
  const top = first + levels - 1;
  const bytes = buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [5 0 R] /Count 1 >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    { dictionary: '', data: Buffer.from('/X0 Do') },
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> /XObject << /X0 ${top} 0 R >> >> /Contents 4 0 R >>`,
    ...forms,
  ]);
  const document = await parse(bytes, { maxChars: 20_000 });
  // Paragraph assembly trims the cut line's trailing space.
  assert.ok(charsOf(document.blocks) > 19_900 && charsOf(document.blocks) <= 20_000, String(charsOf(document.blocks)));
  assert.match(String(document.metadata.truncated), /text cut at 20000 characters, on page 1 of 1/);
  await delay(200);
});

test('a page tree that contains itself is PARSE_CORRUPT, not a hang or an unclassified failure', async () => {
  const cyclic = buildPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>']);
  await assert.rejects(parse(cyclic), { code: 'PARSE_CORRUPT', message: /corrupt PDF: page 1: .*circular/i });
});

test('a PDF whose content stream inflates past maxStreamBytes is PARSE_BOMB before pdf.js decodes it', async () => {
  // 80 MiB of spaces behind one line of text, deflated to ~80 KB. Uncapped, pdf.js took 35 s and
  // 1 GB on 256 MiB of the same.
  const page = Buffer.alloc(80 * 1024 * 1024, 0x20);
  Buffer.from('BT /F1 12 Tf 72 720 Td (bomb) Tj ET').copy(page);
  const bomb = pagedPdf(1, { dictionary: '/Filter /FlateDecode', data: deflateSync(page) });
  await assert.rejects(parse(bomb), (error: { code?: string; message?: string; hint?: string }) => {
    assert.equal(error.code, 'PARSE_BOMB');
    assert.match(error.message ?? '', /PDF refused as a decompression bomb: stream 4 0 obj inflates past 67108864 bytes, the limit \(ingest\.limits\.pdf\.maxStreamBytes\)/);
    assert.match(error.hint ?? '', /raise ingest\.limits\.pdf\.maxStreamBytes/);
    return true;
  });
  // A filter array, a nested dictionary that says /Subtype /Image, or a string with brackets do not hide it.
  const eight = deflateSync(page.subarray(0, 8 * 1024 * 1024));
  const hidden = pagedPdf(1, { dictionary: '/Filter [/FlateDecode] /Decoy << /Subtype /Image >> /Note (a \\) << string)', data: eight });
  await assert.rejects(parse(hidden, { maxStreamBytes: 1024 * 1024 }), { code: 'PARSE_BOMB' });
  // Image XObjects are not decoded for text, so they do not count.
  const image = pagedPdf(1, textContent('a page with a large image'), { extra: [{ dictionary: '/Type /XObject /Subtype /Image /Width 4096 /Height 2048 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode', data: eight }] });
  assert.equal((await parse(image, { maxStreamBytes: 1024 * 1024 })).blocks.length, 1);
});
