/** A vector in pgvector's text form (`[1,0.5,...]`); JavaScript prints each float32 exactly enough to read it back bit for bit. */
export function vectorLiteral(vector: Float32Array): string {
  return `[${Array.prototype.join.call(vector, ',')}]`;
}

/** pgvector's text form back to a Float32Array. */
export function parseVector(text: string): Float32Array {
  const body = text.slice(1, -1);
  return body === '' ? new Float32Array(0) : Float32Array.from(body.split(','), Number);
}
