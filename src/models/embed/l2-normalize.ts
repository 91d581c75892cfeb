/**
 * Scales `vector` in place to unit L2 norm and returns it. A zero (or non-finite-norm) vector stays
 * as it is, so an all-unknown text yields zeros instead of NaN.
 */
export function l2NormalizeInPlace(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const value = vector[i] as number;
    sum += value * value;
  }
  if (sum === 0 || !Number.isFinite(sum)) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}
