/**
 * Minimal PDF files for tests (ISO 32000-1 7.5): objects numbered from 1 in the order given, a
 * classic xref table and a trailer whose /Root is object 1. A body is the text between `N 0 obj`
 * and `endobj`; a stream is `{ dictionary, data }` (its /Length is written here).
 */
export type PdfObject = string | { dictionary: string; data: Buffer };

export function buildPdf(objects: readonly PdfObject[]): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    const body =
      typeof object === 'string'
        ? Buffer.from(`${index + 1} 0 obj\n${object}\nendobj\n`, 'latin1')
        : Buffer.concat([
            Buffer.from(`${index + 1} 0 obj\n<< ${object.dictionary} /Length ${object.data.length} >>\nstream\n`, 'latin1'),
            object.data,
            Buffer.from('\nendstream\nendobj\n', 'latin1'),
          ]);
    offsets.push(length);
    parts.push(body);
    length += body.length;
  });
  const count = objects.length + 1;
  const xref = ['xref', `0 ${count}`, '0000000000 65535 f ', ...offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n `)].join('\n');
  parts.push(Buffer.from(`${xref}\ntrailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** Object 3 of `pagedPdf`: the font every page uses. */
const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';

/**
 * A PDF of `pages` pages that all draw one shared content stream (object 4), so 20,000 pages cost
 * about 2 MB. `extra` objects follow the pages (numbered from 5 + pages); page resources name them
 * as XObjects `/X0`, `/X1`… when `xobjects` is set.
 */
export function pagedPdf(pages: number, content: PdfObject, options: { extra?: PdfObject[]; xobjects?: number } = {}): Buffer {
  const kids = Array.from({ length: pages }, (_, index) => `${5 + index} 0 R`).join(' ');
  const first = 5 + pages;
  const xobjects = Array.from({ length: options.xobjects ?? 0 }, (_, index) => `/X${index} ${first + index} 0 R`).join(' ');
  const resources = `<< /Font << /F1 3 0 R >>${xobjects ? ` /XObject << ${xobjects} >>` : ''} >>`;
  const page = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources ${resources} /Contents 4 0 R >>`;
  return buildPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    FONT,
    content,
    ...Array.from({ length: pages }, () => page),
    ...(options.extra ?? []),
  ]);
}

/** A content stream that writes `text` (PDF string escapes applied) at the top of the page. */
export function textContent(text: string): PdfObject {
  const escaped = text.replace(/[\\()]/g, (char) => `\\${char}`);
  return { dictionary: '', data: Buffer.from(`BT /F1 12 Tf 72 720 Td (${escaped}) Tj ET`, 'latin1') };
}
