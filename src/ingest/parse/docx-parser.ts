import mammoth from 'mammoth';
import type { ParsedDocument } from '../../core/parsed-document.js';
import { htmlToBlocks } from './html-to-blocks.js';
import { nestingBombError, NestingTooDeepError, xmlNestingDepth } from './nesting-depth.js';
import { emptyFileError, isBlank, parseError } from './parse-error.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parse-limits.js';
import type { ParseInput, Parser } from './parser.js';
import { writeStoredZip } from './write-stored-zip.js';
import { openZipArchive } from './zip-archive.js';

const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ZIP_MAGIC = Buffer.from([0x50, 0x4b]);

/**
 * The parts mammoth reads: XML parts, their relationships and an embedded style map. Media and
 * embedded objects are never inflated; images become `<img>` without their bytes (enough to tell an
 * image-only document from an empty one).
 */
const MAMMOTH_PARTS = /(?:\.xml|\.rels)$|^mammoth\/style-map$/i;
const imageWithoutBytes = mammoth.images.imgElement(() => Promise.resolve({ src: '' }));

/**
 * DOCX through mammoth's semantic HTML, so headings, lists and tables survive as blocks. mammoth
 * would inflate the whole archive unbounded (a 2 MB file declaring 2 GiB took 2.3 GB and 81 s), so
 * the archive goes through the ZIP inspector first and mammoth gets a stored (uncompressed) archive
 * of the parts it reads, inflated under the limits and checked for nesting depth.
 */
export const docxParser: Parser = {
  id: 'docx',
  extensions: ['docx', 'doc'],
  async parse(input: ParseInput): Promise<ParsedDocument> {
    const { bytes, fileName } = input;
    if (bytes.length === 0) throw emptyFileError(fileName);
    if (bytes.subarray(0, 8).equals(OLE2_MAGIC)) throw classifyOle2(bytes, fileName, input.extension);
    if (input.extension === 'doc') {
      throw parseError('PARSE_CORRUPT', fileName, 'corrupt Word .doc: the file does not start with an OLE2 header');
    }
    if (!bytes.subarray(0, 2).equals(ZIP_MAGIC)) {
      throw parseError('PARSE_CORRUPT', fileName, 'corrupt DOCX: the file is not a zip archive');
    }
    const limits = input.limits ?? DEFAULT_PARSE_LIMITS;
    const parts = readMammothParts(bytes, fileName, limits);
    let html: string;
    try {
      html = (await mammoth.convertToHtml({ buffer: parts }, { convertImage: imageWithoutBytes })).value;
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
      throw parseError('PARSE_CORRUPT', fileName, `corrupt DOCX: ${reason}`, { cause: error });
    }
    let blocks: ReturnType<typeof htmlToBlocks>['blocks'];
    try {
      ({ blocks } = htmlToBlocks(`<body>${html}</body>`, { maxDepth: limits.maxNestingDepth }));
    } catch (error) {
      if (error instanceof NestingTooDeepError) throw nestingBombError(fileName, 'the DOCX body', error.limit);
      throw error;
    }
    if (!blocks.some((block) => !isBlank(block.text))) {
      if (html.includes('<img')) {
        throw parseError('PARSE_NO_TEXT', fileName, 'no extractable text: the document contains only images; run OCR first');
      }
      throw emptyFileError(fileName);
    }
    const firstHeading = blocks.find((block) => block.kind === 'heading')?.text;
    return { title: firstHeading ?? fileName, format: 'docx', blocks, metadata: {} };
  },
};

/** The parts mammoth reads, inflated under the ZIP limits and depth-checked, as a stored archive. */
function readMammothParts(bytes: Buffer, fileName: string, limits: ParseLimits): Buffer {
  const archive = openZipArchive(bytes, fileName, 'DOCX', limits.zip);
  const parts = archive.entries
    .filter((entry) => MAMMOTH_PARTS.test(entry.name) && !entry.name.endsWith('/'))
    .map((entry) => {
      const data = archive.read(entry);
      if (xmlNestingDepth(data, limits.maxNestingDepth) > limits.maxNestingDepth) {
        throw nestingBombError(fileName, `DOCX part "${entry.name}"`, limits.maxNestingDepth);
      }
      return { name: entry.name, data };
    });
  return writeStoredZip(parts);
}

/**
 * An OLE2 (Compound File Binary) container is a legacy .doc, or an encrypted Office Open XML
 * file (those are wrapped in OLE2 with an `EncryptionInfo` stream). A header with a bad version,
 * byte order or sector size, or a file shorter than a header plus two sectors, is corrupt
 * ([MS-CFB] 2.2).
 */
function classifyOle2(bytes: Buffer, fileName: string, extension: string): Error {
  const major = bytes.readUInt16LE(0x1a);
  const byteOrder = bytes.length >= 0x1e ? bytes.readUInt16LE(0x1c) : 0;
  const sectorShift = bytes.length >= 0x20 ? bytes.readUInt16LE(0x1e) : 0;
  const validHeader = (major === 3 && sectorShift === 9) || (major === 4 && sectorShift === 12);
  const sectorSize = 2 ** sectorShift;
  if (!validHeader || byteOrder !== 0xfffe || bytes.length < 512 + 2 * sectorSize) {
    return parseError('PARSE_CORRUPT', fileName, 'corrupt Word document: the OLE2 container header is invalid or truncated');
  }
  if (bytes.includes(Buffer.from('EncryptionInfo', 'utf16le'))) {
    return parseError('PARSE_ENCRYPTED', fileName, 'encrypted Word document: a password is required to open it');
  }
  const what = extension === 'doc' ? 'legacy Word .doc' : 'a legacy Word .doc (OLE2) file with a .docx name';
  return parseError('PARSE_UNSUPPORTED', fileName, `${what} is not supported; save it as .docx`);
}
