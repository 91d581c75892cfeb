import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { docxParser } from './docx-parser.js';

/** A minimal zip with stored (uncompressed) entries (PKWARE APPNOTE 4.3). */
function storedZip(files: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, nameBytes, data);
    directory.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const centralDirectory = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(directory.length / 2, 8);
  end.writeUInt16LE(directory.length / 2, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, centralDirectory, end]);
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
