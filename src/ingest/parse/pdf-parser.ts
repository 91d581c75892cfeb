import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Block, ParsedDocument } from '../../core/parsed-document.js';
import { emptyFileError, isBlank, parseError, throwIfAborted } from './parse-error.js';
import type { ParseInput, Parser } from './parser.js';
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

export const pdfParser: Parser = {
  id: 'pdf',
  extensions: ['pdf'],
  async parse(input: ParseInput): Promise<ParsedDocument> {
    const { bytes, fileName, signal } = input;
    if (isBlank(bytes.subarray(0, 1024).toString('latin1')) && isBlank(bytes.toString('latin1'))) {
      throw emptyFileError(fileName);
    }
    // Recoverable files may have junk before the header; a PDF without one anywhere near the start is not a PDF.
    if (bytes.subarray(0, 1024).indexOf(PDF_MAGIC) < 0) {
      throw parseError('PARSE_CORRUPT', fileName, 'not a PDF: the file has no %PDF- header');
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
      for (let pageNumber = 1; pageNumber <= document.numPages; pageNumber++) {
        throwIfAborted(signal);
        const page = await document.getPage(pageNumber);
        const content = await page.getTextContent();
        const items: PositionedText[] = [];
        for (const item of content.items) {
          if (!('str' in item)) continue;
          items.push({ text: item.str, x: item.transform[4] ?? 0, y: item.transform[5] ?? 0, width: item.width, height: item.height, hasEOL: item.hasEOL });
        }
        page.cleanup();
        for (const paragraph of pageTextToParagraphs(items)) {
          firstLine ??= paragraph.split('\n', 1)[0]?.trim();
          blocks.push({ kind: 'text', text: paragraph, page: pageNumber });
        }
      }
      if (blocks.length === 0) {
        throw parseError('PARSE_NO_TEXT', fileName, 'no extractable text: the PDF looks scanned (image-only); run OCR first');
      }
      const info = await readInfo(document);
      const title = (isUsefulTitle(info.title) ? info.title : '') || (firstLine ? firstLine.slice(0, 200) : '') || fileName;
      const metadata: Record<string, unknown> = { pageCount: document.numPages };
      if (info.title) metadata.pdfTitle = info.title;
      if (info.author) metadata.author = info.author;
      return { title, format: 'pdf', blocks, metadata, pageCount: document.numPages };
    } finally {
      await document.destroy().catch(() => undefined);
    }
  },
};

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
