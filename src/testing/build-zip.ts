import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

/**
 * ZIP archives for tests (PKWARE APPNOTE 4.3), honest or lying: every field the inspector reads can
 * be overridden, so a test states exactly which lie it tells. Bombs are built at test time (never
 * committed): `deflatedZeros` streams its input, so a 1 GiB entry costs ~1 MiB of memory.
 */
export interface ZipSpec {
  name: string;
  /** Uncompressed content; ignored when `compressed` is given. */
  data?: Buffer;
  /** Already-compressed payload (raw deflate for method 8) with the facts of what it inflates to. */
  compressed?: { bytes: Buffer; size: number; crc: number };
  /** 8 (deflate, default) or 0 (stored). */
  method?: number;
  /** Central directory's uncompressed size, when it should lie. */
  declaredSize?: number;
  flags?: number;
  /** Central directory's local header offset, when it should point elsewhere (overlapping entries). */
  offset?: number;
}

/** Entries of a DOCX that mammoth reads: content types, the package relationship and `document.xml` with `paragraph`. */
export function docxEntries(paragraph: string, documentXml?: ZipSpec): ZipSpec[] {
  const w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
  return [
    {
      name: '[Content_Types].xml',
      data: Buffer.from(
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      ),
    },
    {
      name: '_rels/.rels',
      data: Buffer.from(
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
      ),
    },
    documentXml ?? { name: 'word/document.xml', data: Buffer.from(`<w:document ${w}><w:body><w:p><w:r><w:t>${paragraph}</w:t></w:r></w:p></w:body></w:document>`) },
  ];
}

/** Raw deflate of `size` zero bytes, streamed in 1 MiB pieces (deflate reaches ~1000:1 on zeros). */
export async function deflatedZeros(size: number): Promise<{ bytes: Buffer; size: number; crc: number }> {
  const piece = Buffer.alloc(Math.min(size, 1024 * 1024));
  const deflate = createDeflateRaw({ level: 9, chunkSize: 64 * 1024 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  let crc = 0;
  for (let written = 0; written < size; written += piece.length) {
    const part = piece.subarray(0, Math.min(piece.length, size - written));
    crc = crc32(part, crc);
    if (!deflate.write(part)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await ended;
  return { bytes: Buffer.concat(out), size, crc };
}

/** The archive; with `zip64`, sizes and offsets are written in ZIP64 records and extra fields. */
export function buildZip(entries: readonly ZipSpec[], options: { zip64?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const method = entry.method ?? 8;
    const payload = entry.compressed ?? {
      bytes: method === 8 ? deflateRawSync(entry.data ?? Buffer.alloc(0)) : (entry.data ?? Buffer.alloc(0)),
      size: entry.data?.length ?? 0,
      crc: crc32(entry.data ?? Buffer.alloc(0)),
    };
    const name = Buffer.from(entry.name);
    const declared = entry.declaredSize ?? payload.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(payload.crc, 14);
    local.writeUInt32LE(Math.min(payload.bytes.length, 0xffffffff), 18);
    local.writeUInt32LE(Math.min(declared, 0xffffffff), 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(options.zip64 ? 45 : 20, 4);
    central.writeUInt16LE(options.zip64 ? 45 : 20, 6);
    central.writeUInt16LE(entry.flags ?? 0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(payload.crc, 16);
    central.writeUInt16LE(name.length, 28);
    const headerOffset = entry.offset ?? offset;
    let extra = Buffer.alloc(0);
    if (options.zip64) {
      central.writeUInt32LE(0xffffffff, 20);
      central.writeUInt32LE(0xffffffff, 24);
      central.writeUInt32LE(0xffffffff, 42);
      extra = Buffer.alloc(28);
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(declared), 4);
      extra.writeBigUInt64LE(BigInt(payload.bytes.length), 12);
      extra.writeBigUInt64LE(BigInt(headerOffset), 20);
      central.writeUInt16LE(extra.length, 30);
    } else {
      central.writeUInt32LE(payload.bytes.length, 20);
      central.writeUInt32LE(declared, 24);
      central.writeUInt32LE(headerOffset, 42);
    }
    if (entry.offset === undefined) {
      parts.push(local, name, payload.bytes);
      offset += 30 + name.length + payload.bytes.length;
    }
    directory.push(central, name, extra);
  }
  const centralDirectory = Buffer.concat(directory);
  const tail: Buffer[] = [];
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  if (options.zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(centralDirectory.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + centralDirectory.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(0xffffffff, 12);
    end.writeUInt32LE(0xffffffff, 16);
  } else {
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(centralDirectory.length, 12);
    end.writeUInt32LE(offset, 16);
  }
  return Buffer.concat([...parts, centralDirectory, ...tail, end]);
}
