/**
 * A minimal writer of ONNX protobuf (onnx/onnx.proto, IR 8) for test fixtures and benchmarks: enough
 * to describe small graphs and to append nodes to an existing model. Field numbers are those of
 * onnx.proto; tensors are stored as little-endian `raw_data`.
 */

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

type Bytes = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function concat(parts: Bytes[]): Bytes {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Wire type 0 field. */
function intField(field: number, value: number | bigint): Bytes {
  return Uint8Array.from([...varint(field << 3), ...varint(value)]);
}

/** Wire type 2 field (strings, bytes, sub-messages). */
function bytesField(field: number, payload: Bytes | string): Bytes {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(body.length)]), body]);
}

function message(fields: Bytes[]): Bytes {
  return concat(fields);
}

export interface OnnxAttribute {
  name: string;
  int?: number;
  tensor?: Bytes;
}

/** NodeProto. Attributes: INT (type 2) or TENSOR (type 4). */
export function onnxNode(opType: string, inputs: string[], outputs: string[], attributes: OnnxAttribute[] = [], name?: string): Bytes {
  const fields = [...inputs.map((input) => bytesField(1, input)), ...outputs.map((output) => bytesField(2, output))];
  fields.push(bytesField(3, name ?? `${opType}_${outputs[0] ?? ''}`), bytesField(4, opType));
  for (const attribute of attributes) {
    const parts = [bytesField(1, attribute.name)];
    if (attribute.int !== undefined) parts.push(intField(3, attribute.int), intField(20, 2));
    else if (attribute.tensor !== undefined) parts.push(bytesField(5, attribute.tensor), intField(20, 4));
    fields.push(bytesField(5, message(parts)));
  }
  return message(fields);
}

/** TensorProto with `raw_data`; a scalar has `dims` = []. */
export function onnxTensor(name: string, dims: number[], values: Float32Array | BigInt64Array): Bytes {
  const dataType = values instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64;
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  return message([...dims.map((dim) => intField(1, dim)), intField(2, dataType), bytesField(8, name), bytesField(9, raw)]);
}

/** ValueInfoProto of a tensor; string dims are symbolic (`batch`), numbers fixed. */
export function onnxValueInfo(name: string, elemType: number, dims: (string | number)[]): Bytes {
  const shape = message(dims.map((dim) => bytesField(1, typeof dim === 'number' ? intField(1, dim) : bytesField(2, dim))));
  const tensorType = message([intField(1, elemType), bytesField(2, shape)]);
  return message([bytesField(1, name), bytesField(2, bytesField(1, tensorType))]);
}

export interface OnnxGraphParts {
  nodes: Bytes[];
  initializers: Bytes[];
  inputs: Bytes[];
  outputs: Bytes[];
}

function graphFields(parts: OnnxGraphParts): Bytes[] {
  return [
    ...parts.nodes.map((node) => bytesField(1, node)),
    ...parts.initializers.map((initializer) => bytesField(5, initializer)),
    ...parts.inputs.map((input) => bytesField(11, input)),
    ...parts.outputs.map((output) => bytesField(12, output)),
  ];
}

/** A complete ModelProto (IR version 8, default-domain opset `opset`). */
export function encodeOnnxModel(graphName: string, parts: OnnxGraphParts, opset = 13): Bytes {
  const graph = message([bytesField(2, graphName), ...graphFields(parts)]);
  return message([
    intField(1, 8),
    bytesField(2, 'cairn-test-fixture'),
    bytesField(7, graph),
    bytesField(8, message([bytesField(1, ''), intField(2, opset)])),
  ]);
}

/**
 * Appends nodes, initializers, inputs and outputs to the graph of an existing ModelProto. Protobuf
 * merges repeated fields by concatenation, so the graph's bytes are kept and the new fields follow.
 */
export function appendToOnnxGraph(model: Bytes, parts: OnnxGraphParts): Bytes {
  const out: Bytes[] = [];
  let at = 0;
  let found = false;
  while (at < model.length) {
    const start = at;
    const [key, afterKey] = readVarint(model, at);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    at = afterKey;
    if (wire === 0) at = readVarint(model, at)[1];
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [length, afterLength] = readVarint(model, at);
      const end = afterLength + Number(length);
      if (field === 7) {
        found = true;
        out.push(bytesField(7, concat([model.subarray(afterLength, end), ...graphFields(parts)])));
        at = end;
        continue;
      }
      at = end;
    } else throw new Error(`Unsupported protobuf wire type ${wire} in the ONNX model.`);
    out.push(model.subarray(start, at));
  }
  if (!found) throw new Error('The ONNX model has no graph.');
  return concat(out);
}

function readVarint(bytes: Bytes, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined) throw new Error('Truncated protobuf varint.');
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, at];
    shift += 7n;
  }
}
