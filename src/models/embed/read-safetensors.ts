import { readFile } from 'node:fs/promises';
import { CairnError } from '../../core/cairn-error.js';

/** One tensor of a safetensors file, widened to float32, row-major. */
export interface SafetensorsTensor {
  name: string;
  /** Storage type in the file (`F32`, `F16`, `BF16`). */
  dtype: string;
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES_PER_ELEMENT: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

function corrupt(file: string, why: string): CairnError {
  return new CairnError('MODEL_NOT_FOUND', `${file} is not a readable safetensors file: ${why}.`, {
    hint: 'Download the model again (`cairn models pull <id>`) or point static: at a model2vec folder.',
  });
}

/**
 * Reads one floating-point tensor from a safetensors file. Format (huggingface/safetensors): an
 * unsigned 64-bit little-endian header length N, N bytes of JSON mapping tensor names to
 * `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the byte after the header),
 * then the raw little-endian data. F32, F16 and BF16 are supported.
 */
export async function readSafetensorsTensor(file: string, name: string): Promise<SafetensorsTensor> {
  const bytes = await readFile(file);
  if (bytes.length < 8) throw corrupt(file, 'it is shorter than its 8-byte header length');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength <= 0 || 8 + headerLength > bytes.length) throw corrupt(file, 'the header length is out of range');
  let header: Record<string, HeaderEntry>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as Record<string, HeaderEntry>;
  } catch (error) {
    throw corrupt(file, `the header is not JSON (${(error as Error).message})`);
  }
  const entry = header[name];
  if (!entry || name === '__metadata__') {
    const names = Object.keys(header).filter((key) => key !== '__metadata__');
    throw corrupt(file, `it has no tensor "${name}" (tensors: ${names.join(', ') || 'none'})`);
  }
  const width = BYTES_PER_ELEMENT[entry.dtype];
  if (width === undefined) throw corrupt(file, `tensor "${name}" has unsupported dtype ${entry.dtype} (F32, F16, BF16 are)`);
  const elements = entry.shape.reduce((product, size) => product * size, 1);
  const [begin, end] = entry.data_offsets;
  const start = 8 + headerLength + begin;
  if (end - begin !== elements * width || 8 + headerLength + end > bytes.length) {
    throw corrupt(file, `tensor "${name}" does not fit its shape [${entry.shape.join(', ')}]`);
  }
  const data = new Float32Array(elements);
  if (entry.dtype === 'F32') {
    // Copy through a fresh buffer: the data offset need not be 4-byte aligned inside the file buffer.
    new Uint8Array(data.buffer).set(bytes.subarray(start, start + elements * 4));
  } else if (entry.dtype === 'F16') {
    for (let i = 0; i < elements; i++) data[i] = halfToFloat(bytes.readUInt16LE(start + i * 2));
  } else {
    const widened = new Uint32Array(data.buffer);
    for (let i = 0; i < elements; i++) widened[i] = bytes.readUInt16LE(start + i * 2) << 16;
  }
  return { name, dtype: entry.dtype, shape: entry.shape, data };
}

/** IEEE 754 binary16 to a JS number (subnormals, infinities and NaN included). */
export function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
