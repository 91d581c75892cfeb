import { crc32, inflateRawSync } from 'node:zlib';
import { parseError } from './parse-error.js';
import { LIMIT_KEYS, type ZipLimits } from './parse-limits.js';

/** One member of a ZIP archive as its central directory declares it (PKWARE APPNOTE 6.3.10, 4.3.12). */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate; any other method is refused when the entry is read. */
  readonly method: number;
  /** General purpose bit flag; bit 0 (and 6): encrypted, bit 11: UTF-8 name. */
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Offset of the entry's local file header. */
  readonly localHeaderOffset: number;
  /** Offset of the entry's compressed data (after the local header). */
  readonly dataOffset: number;
}

/** A ZIP archive whose central directory passed the limits; entries are inflated one at a time, on demand. */
export interface ZipArchive {
  readonly entries: readonly ZipEntry[];
  /** The entry of that exact name, or undefined. */
  get(name: string): ZipEntry | undefined;
  /**
   * The entry's uncompressed bytes. Inflation stops as soon as the output passes the size the central
   * directory declared (PARSE_BOMB: the archive lies), so no entry costs more memory than was checked.
   */
  read(entry: ZipEntry): Buffer;
}

/**
 * Entries declaring less than this are exempt from the ratio check: small XML parts of real office
 * files reach 100:1 and more (long runs of identical empty cells), and cannot cost much however well
 * they compress. The total and the whole archive's ratio still count them.
 */
export const RATIO_GRACE_BYTES = 1024 * 1024;

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

/**
 * Reads a ZIP archive's central directory (ZIP64 included) and checks it against `limits` before
 * anything is inflated: entry count, each entry's compression ratio, the whole archive's ratio, the
 * total declared uncompressed size, and that no two entries share bytes (overlapping entries are how
 * the densest zip bombs are built). Every ZIP-based parser (DOCX now; XLSX, PPTX, EPUB, ODT later)
 * goes through here and hands its library only entries read with `read`.
 * Rejects with PARSE_BOMB or PARSE_TOO_LARGE naming the limit, the value and the config key;
 * PARSE_CORRUPT for a malformed archive. `kind` names the format in messages (`DOCX`).
 */
export function openZipArchive(bytes: Buffer, fileName: string, kind: string, limits: ZipLimits): ZipArchive {
  const corrupt = (why: string) => parseError('PARSE_CORRUPT', fileName, `corrupt ${kind}: ${why}`);
  const bomb = (why: string, hint?: string) => parseError('PARSE_BOMB', fileName, `${kind} refused as a decompression bomb: ${why}`, hint ? { hint } : {});

  const directory = readDirectoryLocation(bytes, corrupt);
  if (directory.count > limits.maxEntries) {
    throw bomb(`${directory.count} entries, over the limit of ${limits.maxEntries} (${LIMIT_KEYS.zipMaxEntries})`);
  }
  if (directory.count * CENTRAL_SIZE > directory.size) throw corrupt(`the central directory is too short for ${directory.count} entries`);

  const entries: ZipEntry[] = [];
  let position = directory.offset;
  let declared = 0;
  for (let index = 0; index < directory.count; index++) {
    if (position + CENTRAL_SIZE > directory.end || bytes.readUInt32LE(position) !== CENTRAL) throw corrupt(`central directory record ${index + 1} is damaged`);
    const flags = bytes.readUInt16LE(position + 8);
    const method = bytes.readUInt16LE(position + 10);
    const crc = bytes.readUInt32LE(position + 16);
    let compressedSize = bytes.readUInt32LE(position + 20);
    let uncompressedSize = bytes.readUInt32LE(position + 24);
    const nameLength = bytes.readUInt16LE(position + 28);
    const extraLength = bytes.readUInt16LE(position + 30);
    const commentLength = bytes.readUInt16LE(position + 32);
    let localHeaderOffset = bytes.readUInt32LE(position + 42);
    const next = position + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > directory.end) throw corrupt(`central directory record ${index + 1} runs past the directory`);
    const nameBytes = bytes.subarray(position + CENTRAL_SIZE, position + CENTRAL_SIZE + nameLength);
    // Names without the UTF-8 flag are CP437 (APPNOTE appendix D); Latin-1 reads their ASCII alike.
    const name = nameBytes.toString(flags & 0x800 ? 'utf8' : 'latin1');
    if (uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      const extra = bytes.subarray(position + CENTRAL_SIZE + nameLength, position + CENTRAL_SIZE + nameLength + extraLength);
      const wide = readZip64Extra(extra, [uncompressedSize, compressedSize, localHeaderOffset], corrupt);
      [uncompressedSize, compressedSize, localHeaderOffset] = wide as [number, number, number];
    }
    localHeaderOffset += directory.prefix;
    if (uncompressedSize >= RATIO_GRACE_BYTES && uncompressedSize > limits.maxRatio * Math.max(1, compressedSize)) {
      throw bomb(
        `entry "${name}" declares ${describeBytes(uncompressedSize)} from ${describeBytes(compressedSize)} compressed, a ratio of ` +
          `${ratioText(uncompressedSize, compressedSize)}, over the limit of ${limits.maxRatio}:1 (${LIMIT_KEYS.zipMaxRatio})`,
      );
    }
    declared += uncompressedSize;
    entries.push({ name, method, flags, crc32: crc, compressedSize, uncompressedSize, localHeaderOffset, dataOffset: 0 });
    position = next;
  }

  if (declared >= RATIO_GRACE_BYTES && declared > limits.maxRatio * bytes.length) {
    throw bomb(
      `its entries declare ${describeBytes(declared)} from a ${describeBytes(bytes.length)} file, a ratio of ${ratioText(declared, bytes.length)}, ` +
        `over the limit of ${limits.maxRatio}:1 (${LIMIT_KEYS.zipMaxRatio})`,
    );
  }
  if (declared > limits.maxUncompressedBytes) {
    throw parseError(
      'PARSE_TOO_LARGE',
      fileName,
      `${kind} too large: its entries declare ${describeBytes(declared)} uncompressed, over the limit of ${describeBytes(limits.maxUncompressedBytes)} (${LIMIT_KEYS.zipMaxUncompressedBytes})`,
      { hint: `Raise ${LIMIT_KEYS.zipMaxUncompressedBytes} in cairn.config.json, or split the file.` },
    );
  }

  const located = locateData(bytes, entries, directory.offset, corrupt, bomb);
  const byName = new Map<string, ZipEntry>();
  for (const entry of located) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  let inflated = 0;

  return {
    entries: located,
    get: (name) => byName.get(name),
    read(entry) {
      if (entry.flags & 0x41) throw parseError('PARSE_ENCRYPTED', fileName, `encrypted ${kind}: entry "${entry.name}" needs a password`);
      const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
      let output: Buffer;
      if (entry.method === 0) {
        output = data;
      } else if (entry.method === 8) {
        try {
          // maxOutputLength makes zlib stop and throw once the output passes the declared size, so
          // memory is bounded by what was checked above, however the central directory lies.
          output = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize), chunkSize: 64 * 1024 });
        } catch (error) {
          if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
            throw bomb(
              `entry "${entry.name}" inflates past the ${describeBytes(entry.uncompressedSize)} its central directory declares; inflation was stopped there`,
              'The archive misstates its sizes, which no setting accepts; re-save the file in its application.',
            );
          }
          throw corrupt(`entry "${entry.name}" does not inflate (${error instanceof Error ? error.message : String(error)})`);
        }
      } else {
        throw parseError('PARSE_UNSUPPORTED', fileName, `${kind} entry "${entry.name}" uses compression method ${entry.method}; only stored and deflate are supported`);
      }
      if (output.length !== entry.uncompressedSize) {
        throw corrupt(`entry "${entry.name}" holds ${output.length} bytes, its central directory declares ${entry.uncompressedSize}`);
      }
      if (crc32(output) !== entry.crc32) throw corrupt(`entry "${entry.name}" fails its CRC-32 check`);
      inflated += output.length;
      if (inflated > limits.maxUncompressedBytes) {
        throw parseError('PARSE_TOO_LARGE', fileName, `${kind} too large: more than ${describeBytes(limits.maxUncompressedBytes)} inflated (${LIMIT_KEYS.zipMaxUncompressedBytes})`);
      }
      return output;
    },
  };
}

interface DirectoryLocation {
  count: number;
  offset: number;
  size: number;
  /** Offset just past the central directory. */
  end: number;
  /** Bytes before the archive proper (a self-extractor stub); added to every recorded offset. */
  prefix: number;
}

type Fail = (why: string) => Error;

/** The end of central directory record, searched backwards over the longest possible comment; ZIP64 when its fields are saturated. */
function readDirectoryLocation(bytes: Buffer, corrupt: Fail): DirectoryLocation {
  let eocd = -1;
  for (let position = bytes.length - EOCD_SIZE; position >= Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT); position--) {
    if (bytes.readUInt32LE(position) === EOCD) {
      eocd = position;
      break;
    }
  }
  if (eocd < 0) throw corrupt('the file is not a complete zip archive (no end of central directory record)');
  if (bytes.readUInt16LE(eocd + 4) !== 0 || bytes.readUInt16LE(eocd + 6) !== 0) throw corrupt('split (multi-disk) zip archives are not supported');
  let count = bytes.readUInt16LE(eocd + 10);
  let size = bytes.readUInt32LE(eocd + 12);
  let offset = bytes.readUInt32LE(eocd + 16);
  let directoryEnd = eocd;
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator >= 0 && bytes.readUInt32LE(locator) === ZIP64_LOCATOR) {
      const record = toSafeNumber(bytes.readBigUInt64LE(locator + 8), corrupt);
      if (record + 56 > locator || bytes.readUInt32LE(record) !== ZIP64_EOCD) throw corrupt('the ZIP64 end of central directory record is missing');
      count = toSafeNumber(bytes.readBigUInt64LE(record + 32), corrupt);
      size = toSafeNumber(bytes.readBigUInt64LE(record + 40), corrupt);
      offset = toSafeNumber(bytes.readBigUInt64LE(record + 48), corrupt);
      directoryEnd = record;
    }
  }
  if (size > directoryEnd) throw corrupt('the central directory is larger than the file');
  const start = directoryEnd - size;
  const prefix = start - offset;
  if (prefix < 0) throw corrupt('the central directory lies outside the file');
  return { count, offset: start, size, end: directoryEnd, prefix };
}

/** The ZIP64 extended information extra field (0x0001) replaces, in order, each saturated field. */
function readZip64Extra(extra: Buffer, fields: number[], corrupt: Fail): number[] {
  for (let position = 0; position + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(position);
    const length = extra.readUInt16LE(position + 2);
    if (id === 0x0001) {
      const out = [...fields];
      let cursor = position + 4;
      for (let index = 0; index < out.length; index++) {
        if (out[index] !== 0xffffffff) continue;
        if (cursor + 8 > position + 4 + length || cursor + 8 > extra.length) throw corrupt('a ZIP64 extra field is truncated');
        out[index] = toSafeNumber(extra.readBigUInt64LE(cursor), corrupt);
        cursor += 8;
      }
      return out;
    }
    position += 4 + length;
  }
  throw corrupt('an entry has saturated sizes but no ZIP64 extra field');
}

function toSafeNumber(value: bigint, corrupt: Fail): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('a ZIP64 size or offset is out of range');
  return Number(value);
}

/** Finds each entry's data after its local header; entries must not share bytes, and all must end before the central directory. */
function locateData(bytes: Buffer, entries: ZipEntry[], directoryStart: number, corrupt: Fail, bomb: (why: string) => Error): ZipEntry[] {
  const located = entries.map((entry) => {
    const header = entry.localHeaderOffset;
    if (header + LOCAL_SIZE > directoryStart || bytes.readUInt32LE(header) !== LOCAL) throw corrupt(`the local header of entry "${entry.name}" is missing`);
    const dataOffset = header + LOCAL_SIZE + bytes.readUInt16LE(header + 26) + bytes.readUInt16LE(header + 28);
    if (dataOffset + entry.compressedSize > directoryStart) throw corrupt(`entry "${entry.name}" runs past the end of the archive data`);
    return { ...entry, dataOffset };
  });
  const ordered = [...located].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let index = 1; index < ordered.length; index++) {
    const previous = ordered[index - 1]!;
    const current = ordered[index]!;
    if (previous.dataOffset + previous.compressedSize > current.localHeaderOffset) {
      throw bomb(`entries "${previous.name}" and "${current.name}" overlap (the construction of the densest zip bombs)`);
    }
  }
  return located;
}

/** `2.0 GiB (2147483648 bytes)`: readable, and exact for a config value. */
function describeBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes} bytes`;
  const units = bytes >= 1024 ** 3 ? ['GiB', 1024 ** 3] as const : ['MiB', 1024 ** 2] as const;
  return `${(bytes / units[1]).toFixed(1)} ${units[0]} (${bytes} bytes)`;
}

function ratioText(uncompressed: number, compressed: number): string {
  return `${Math.round(uncompressed / Math.max(1, compressed))}:1`;
}
