import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Block, ParsedDocument } from '../../core/parsed-document.js';
import { CairnError } from '../../core/cairn-error.js';
import { emptyFileError, isBlank, parseError, throwIfAborted } from './parse-error.js';
import { DEFAULT_PARSE_LIMITS, LIMIT_KEYS } from './parse-limits.js';
import type { ParseInput, Parser } from './parser.js';
import { findOversizedStream } from './pdf-stream-scan.js';
import { pageTextToParagraphs, type PositionedText } from './pdf-text-layout.js';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let pdfjsPromise: Promise<PdfJs> | undefined;

/** Loaded lazily: pdfjs is large and most runs never see a PDF. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsPromise;
}

/** cMaps are needed to map CJK glyphs to Unicode; standard fonts silence missing-font fallbacks. */
function pdfjsAssetDirectories(): { cMapUrl: string; standardFontDataUrl: string } {
  const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
  return { cMapUrl: `${join(root, 'cmaps')}/`, standardFontDataUrl: `${join(root, 'standard_fonts')}/` };
}

const PDF_MAGIC = Buffer.from('%PDF-');

type PdfPage = Awaited<ReturnType<Awaited<ReturnType<PdfJs['getDocument']>['promise']>['getPage']>>;

/**
 * PDF through pdf.js, page by page. A FlateDecode stream that inflates past
 * `ingest.limits.pdf.maxStreamBytes` makes the file PARSE_BOMB before pdf.js runs (see
 * findOversizedStream for what that scan covers). At most `ingest.limits.pdf.maxPages` pages and
 * `ingest.limits.pdf.maxChars` characters of text are read: a longer PDF is ingested up to the cap,
 * its metadata says so (`truncated`) and the ingest reports it as a notice. Text is streamed from
 * pdf.js and the stream cancelled at the character cap, so even a page whose forms draw each other
 * exponentially (a "billion laughs" PDF) stops there.
 */
export const pdfParser: Parser = {
  id: 'pdf',
  extensions: ['pdf'],
  async parse(input: ParseInput): Promise<ParsedDocument> {
    const { bytes, fileName, signal } = input;
    const limits = (input.limits ?? DEFAULT_PARSE_LIMITS).pdf;
    if (isBlank(bytes.subarray(0, 1024).toString('latin1')) && isBlank(bytes.toString('latin1'))) {
      throw emptyFileError(fileName);
    }
    // Recoverable files may have junk before the header; a PDF without one anywhere near the start is not a PDF.
    if (bytes.subarray(0, 1024).indexOf(PDF_MAGIC) < 0) {
      throw parseError('PARSE_CORRUPT', fileName, 'not a PDF: the file has no %PDF- header');
    }
    const oversized = await findOversizedStream(bytes, limits.maxStreamBytes);
    if (oversized) {
      const which = oversized.object ? `stream ${oversized.object} obj` : 'a stream';
      throw parseError('PARSE_BOMB', fileName, `PDF refused as a decompression bomb: ${which} inflates past ${limits.maxStreamBytes} bytes, the limit (${LIMIT_KEYS.pdfMaxStreamBytes}); inflation was stopped there`, {
        hint: `If the file is genuine, raise ${LIMIT_KEYS.pdfMaxStreamBytes} in cairn.config.json and ingest it again.`,
      });
    }
    const pdfjs = await loadPdfJs();
    throwIfAborted(signal);
    // pdfjs transfers (detaches) the buffer it is given, so hand it a copy.
    const loadingTask = pdfjs.getDocument({
      data: new Uint8Array(bytes),
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: false,
      verbosity: pdfjs.VerbosityLevel.ERRORS,
      ...pdfjsAssetDirectories(),
    });
    let document: Awaited<typeof loadingTask.promise>;
    try {
      document = await loadingTask.promise;
    } catch (error) {
      await loadingTask.destroy().catch(() => undefined);
      throw classifyOpenError(error, fileName);
    }
    try {
      const blocks: Block[] = [];
      let firstLine: string | undefined;
      let truncated: string | undefined;
      let charsLeft = limits.maxChars;
      const lastPage = Math.min(document.numPages, limits.maxPages);
      for (let pageNumber = 1; pageNumber <= lastPage && truncated === undefined; pageNumber++) {
        throwIfAborted(signal);
        let page: PdfPage;
        let items: PositionedText[];
        try {
          page = await document.getPage(pageNumber);
          ({ items, charsLeft } = await readPageText(page, charsLeft));
        } catch (error) {
          if (error instanceof CairnError) throw error;
          throw parseError('PARSE_CORRUPT', fileName, `corrupt PDF: page ${pageNumber}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        page.cleanup();
        for (const paragraph of pageTextToParagraphs(items)) {
          firstLine ??= paragraph.split('\n', 1)[0]?.trim();
          blocks.push({ kind: 'text', text: paragraph, page: pageNumber });
        }
        if (charsLeft <= 0) {
          truncated = `text cut at ${limits.maxChars} characters, on page ${pageNumber} of ${document.numPages} (${LIMIT_KEYS.pdfMaxChars})`;
        }
      }
      if (truncated === undefined && lastPage < document.numPages) {
        truncated = `read the first ${lastPage} of ${document.numPages} pages (${LIMIT_KEYS.pdfMaxPages})`;
      }
      if (blocks.length === 0) {
        throw parseError('PARSE_NO_TEXT', fileName, 'no extractable text: the PDF looks scanned (image-only); run OCR first');
      }
      const info = await readInfo(document);
      const title = (isUsefulTitle(info.title) ? info.title : '') || (firstLine ? firstLine.slice(0, 200) : '') || fileName;
      const metadata: Record<string, unknown> = { pageCount: document.numPages };
      if (truncated !== undefined) metadata.truncated = truncated;
      if (info.title) metadata.pdfTitle = info.title;
      if (info.author) metadata.author = info.author;
      return { title, format: 'pdf', blocks, metadata, pageCount: document.numPages };
    } finally {
      await document.destroy().catch(() => undefined);
    }
  },
};

/**
 * A page's positioned text items, read from pdf.js's text stream until `charsLeft` characters are
 * taken; the item that crosses the cap is cut and the stream cancelled (pdf.js then stops
 * evaluating the page). Returns the characters still allowed after this page.
 */
async function readPageText(page: PdfPage, charsLeft: number): Promise<{ items: PositionedText[]; charsLeft: number }> {
  const items: PositionedText[] = [];
  const reader = (page.streamTextContent() as ReadableStream<{ items: unknown[] }>).getReader();
  try {
    while (charsLeft > 0) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const item of value.items as { str?: string; transform: number[]; width: number; height: number; hasEOL: boolean }[]) {
        if (typeof item.str !== 'string') continue;
        const text = item.str.length > charsLeft ? item.str.slice(0, charsLeft) : item.str;
        charsLeft -= text.length;
        items.push({ text, x: item.transform[4] ?? 0, y: item.transform[5] ?? 0, width: item.width, height: item.height, hasEOL: item.hasEOL });
        if (charsLeft <= 0) break;
      }
    }
  } finally {
    // pdf.js asserts that the reason is an Error; without one its stream is left open and a chunk
    // already in flight is then enqueued into the cancelled stream, which throws out of its message
    // handler and takes the process down.
    if (charsLeft <= 0) await reader.cancel(new Error('character cap reached')).catch(() => undefined);
    reader.releaseLock();
  }
  return { items, charsLeft };
}

async function readInfo(document: { getMetadata(): Promise<{ info: unknown }> }): Promise<{ title: string; author: string }> {
  try {
    const { info } = await document.getMetadata();
    const record = (info ?? {}) as Record<string, unknown>;
    const text = (value: unknown): string => (typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : '');
    return { title: text(record.Title), author: text(record.Author) };
  } catch {
    return { title: '', author: '' };
  }
}

/**
 * Producer tools often store the source file name as the title (`Microsoft Word - report.doc`,
 * `Binder1.pdf`); such a title names nothing a reader would search for.
 */
function isUsefulTitle(title: string): boolean {
  if (!title || !/[a-z]/i.test(title)) return false;
  if (/^microsoft (word|powerpoint|excel) - /i.test(title)) return false;
  if (/\.(docx?|pdf|exe|xlsx?|pptx?|tex|dvi|ps|indd|qxd|rtf|txt)$/i.test(title)) return false;
  if (!/\s/.test(title) && /[_\d]/.test(title)) return false;
  return true;
}

function classifyOpenError(error: unknown, fileName: string): Error {
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') {
    return parseError('PARSE_ENCRYPTED', fileName, 'encrypted PDF: a password is required to open it', { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return parseError('PARSE_CORRUPT', fileName, `corrupt PDF: ${reason}`, { cause: error });
}
