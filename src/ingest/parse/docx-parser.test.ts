import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import mammoth from 'mammoth';
import type { Block } from '../../core/parsed-document.js';
import { buildZip, deflatedZeros, docxEntries } from '../../testing/build-zip.js';
import { sharedPath, SHARED_MISSING } from '../../testing/shared-data.js';
import { docxParser } from './docx-parser.js';
import { htmlToBlocks } from './html-to-blocks.js';
import { DEFAULT_PARSE_LIMITS } from './parse-limits.js';
import { writeStoredZip } from './write-stored-zip.js';

/** A minimal zip with stored (uncompressed) entries, as the parser's own writer makes them. */
function storedZip(files: Record<string, string>): Buffer {
  return writeStoredZip(Object.entries(files).map(([name, content]) => ({ name, data: Buffer.from(content) })));
}

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const docx = (documentXml: string): Buffer =>
  storedZip({
    '[Content_Types].xml':
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    '_rels/.rels':
      '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    'word/document.xml': documentXml,
  });
const parse = (bytes: Buffer, fileName = 'a.docx') => docxParser.parse({ bytes, fileName, extension: fileName.split('.').pop() ?? '', relativePath: fileName });

test('a well-formed minimal docx parses', async () => {
  const document = await parse(docx(`<w:document ${W}><w:body><w:p><w:r><w:t>hello zip</w:t></w:r></w:p></w:body></w:document>`));
  assert.deepEqual(document.blocks, [{ kind: 'text', text: 'hello zip' }]);
});

test('malformed XML, a truncated zip or a non-zip is PARSE_CORRUPT', async () => {
  await assert.rejects(parse(docx(`<w:document ${W}><w:body><w:p <<<`)), { code: 'PARSE_CORRUPT', message: /corrupt DOCX/ });
  await assert.rejects(parse(docx(`<w:document ${W}><w:body><w:p><w:r><w:t>oops</w:t>`)), { code: 'PARSE_CORRUPT' });
  const good = docx(`<w:document ${W}><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>`);
  await assert.rejects(parse(good.subarray(0, good.length - 30)), { code: 'PARSE_CORRUPT' });
  await assert.rejects(parse(Buffer.from('plain text, not a zip')), { code: 'PARSE_CORRUPT', message: /not a zip/ });
});

test('legacy OLE2 .doc is PARSE_UNSUPPORTED; a .doc without the OLE2 magic is PARSE_CORRUPT', async () => {
  const header = Buffer.alloc(512 * 4);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  header.writeUInt16LE(0x3e, 0x18);
  header.writeUInt16LE(3, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  await assert.rejects(parse(header, 'old.doc'), { code: 'PARSE_UNSUPPORTED', message: /legacy Word \.doc is not supported; save it as \.docx/ });
  const encrypted = Buffer.concat([header, Buffer.from('EncryptionInfo', 'utf16le')]);
  await assert.rejects(parse(encrypted, 'locked.docx'), { code: 'PARSE_ENCRYPTED', message: /password/ });
  await assert.rejects(parse(Buffer.from('not a word file'), 'x.doc'), { code: 'PARSE_CORRUPT' });
});

test('every real DOCX gives the blocks mammoth gives on the whole archive: only the bounded path changed', async (t) => {
  const root = sharedPath('data/files/docx');
  if (!root) return t.skip(SHARED_MISSING);
  for (const name of readdirSync(root)) {
    const bytes: Buffer = readFileSync(join(root, name));
    const unbounded: Block[] = htmlToBlocks(`<body>${(await mammoth.convertToHtml({ buffer: bytes })).value}</body>`).blocks;
    if (unbounded.every((block) => !/\S/.test(block.text))) {
      await assert.rejects(parse(bytes, name), { code: 'PARSE_NO_TEXT' }, name);
      continue;
    }
    assert.deepEqual((await parse(bytes, name)).blocks, unbounded, name);
  }
});

test('a DOCX whose part inflates past maxRatio, or past what its directory declares, is PARSE_BOMB before mammoth runs', async () => {
  const zeros = await deflatedZeros(16 * 1024 * 1024);
  const honest = buildZip([...docxEntries('hello'), { name: 'word/media/image1.png', compressed: zeros }]);
  await assert.rejects(parse(honest), { code: 'PARSE_BOMB', message: /a\.docx: DOCX refused as a decompression bomb: entry "word\/media\/image1\.png" declares 16\.0 MiB/ });
  const lying = buildZip(docxEntries('', { name: 'word/document.xml', compressed: zeros, declaredSize: 2048 }));
  await assert.rejects(parse(lying), { code: 'PARSE_BOMB', message: /entry "word\/document\.xml" inflates past the 2048 bytes its central directory declares/ });
});

test('media are never inflated: an image-only DOCX is still PARSE_NO_TEXT, with a damaged image entry', async () => {
  const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
  const body = `<w:document ${W} xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body><w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="p"/><a:graphic><a:graphicData><pic:pic><pic:blipFill><a:blip r:embed="rId9"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p></w:body></w:document>`;
  const rels = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/></Relationships>';
  const entries = [
    ...docxEntries('', { name: 'word/document.xml', data: Buffer.from(body) }),
    { name: 'word/_rels/document.xml.rels', data: Buffer.from(rels) },
    // Not deflate data: reading it fails, and mammoth would then drop the image (PARSE_EMPTY).
    { name: 'word/media/image1.png', compressed: { bytes: Buffer.from('not deflate'), size: 10, crc: 1 } },
  ];
  await assert.rejects(parse(buildZip(entries)), { code: 'PARSE_NO_TEXT' });
});

test('DOCX XML nested deeper than maxNestingDepth is PARSE_BOMB naming the part and the key (100,000 levels, generated)', async () => {
  const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
  const deep = `<w:document ${W}><w:body>${'<w:tbl><w:tr><w:tc>'.repeat(100_000)}<w:p><w:r><w:t>deep</w:t></w:r></w:p>${'</w:tc></w:tr></w:tbl>'.repeat(100_000)}</w:body></w:document>`;
  // Stored: deflated, this XML is so repetitive (400:1) that the ratio check would refuse it first.
  const bytes = buildZip(docxEntries('', { name: 'word/document.xml', data: Buffer.from(deep), method: 0 }));
  await assert.rejects(parse(bytes), (error: { code?: string; message?: string; hint?: string }) => {
    assert.equal(error.code, 'PARSE_BOMB');
    assert.match(error.message ?? '', /DOCX part "word\/document\.xml" is nested deeper than 512 levels, the limit \(ingest\.limits\.maxNestingDepth\)/);
    assert.match(error.hint ?? '', /raise ingest\.limits\.maxNestingDepth/);
    return true;
  });
  // Within the limit it parses: a table nested ten deep.
  const nested = `<w:document ${W}><w:body>${'<w:tbl><w:tr><w:tc>'.repeat(10)}<w:p><w:r><w:t>inner cell</w:t></w:r></w:p>${'</w:tc></w:tr></w:tbl>'.repeat(10)}</w:body></w:document>`;
  const document = await docxParser.parse({ bytes: buildZip(docxEntries('', { name: 'word/document.xml', data: Buffer.from(nested) })), fileName: 'a.docx', extension: 'docx', relativePath: 'a.docx', limits: DEFAULT_PARSE_LIMITS });
  assert.match(document.blocks.map((block) => block.text).join('\n'), /inner cell/);
});
