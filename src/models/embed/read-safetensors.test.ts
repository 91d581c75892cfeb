import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { halfToFloat, readSafetensorsTensor } from './read-safetensors.js';

/** Builds a safetensors file by hand: u64 LE header length, JSON header (padded with spaces), data. */
function writeSafetensors(file: string, tensors: { name: string; dtype: string; shape: number[]; data: Buffer }[]): void {
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const tensor of tensors) {
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.length] };
    offset += tensor.data.length;
  }
  // An odd header length puts the data off 4-byte alignment, which the reader must cope with.
  const json = Buffer.from(`${JSON.stringify(header)} `);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([length, json, ...tensors.map((t) => t.data)]));
}

test('readSafetensorsTensor reads F32, F16 and BF16 tensors and rejects bad files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-st-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f32 = Buffer.alloc(16);
  [1.5, -2, 0, 3.25].forEach((value, i) => f32.writeFloatLE(value, i * 4));
  // F16 bit patterns: 1.0, -2.0, 0.5, 65504 (max), 2^-24 (smallest subnormal), +Inf.
  const f16 = Buffer.alloc(12);
  [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00].forEach((bits, i) => f16.writeUInt16LE(bits, i * 2));
  // BF16 is the upper half of a float32: 1.0 = 0x3f80, -3.0 = 0xc040.
  const bf16 = Buffer.alloc(4);
  [0x3f80, 0xc040].forEach((bits, i) => bf16.writeUInt16LE(bits, i * 2));
  const file = join(dir, 'model.safetensors');
  writeSafetensors(file, [
    { name: 'embeddings', dtype: 'F32', shape: [2, 2], data: f32 },
    { name: 'half', dtype: 'F16', shape: [6], data: f16 },
    { name: 'brain', dtype: 'BF16', shape: [2], data: bf16 },
    { name: 'ints', dtype: 'I64', shape: [1], data: Buffer.alloc(8) },
  ]);
  const embeddings = await readSafetensorsTensor(file, 'embeddings');
  assert.deepEqual(embeddings.shape, [2, 2]);
  assert.deepEqual([...embeddings.data], [1.5, -2, 0, 3.25]);
  const half = await readSafetensorsTensor(file, 'half');
  assert.deepEqual([...half.data], [1, -2, 0.5, 65504, Math.fround(2 ** -24), Number.POSITIVE_INFINITY]);
  assert.deepEqual([...(await readSafetensorsTensor(file, 'brain')).data], [1, -3]);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  await assert.rejects(readSafetensorsTensor(file, 'missing'), /no tensor "missing" \(tensors: embeddings, half, brain, ints\)/);
  await assert.rejects(readSafetensorsTensor(file, 'ints'), /unsupported dtype I64/);
  const truncated = join(dir, 'truncated.safetensors');
  writeFileSync(truncated, Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x7b]));
  await assert.rejects(readSafetensorsTensor(truncated, 'embeddings'), /header length is out of range/);
});
