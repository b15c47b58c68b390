/** Scale a vector to unit length (a zero vector stays zero). */
export function l2Normalise(vector: Float32Array): Float32Array {
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  const length = Math.sqrt(sumOfSquares);
  if (length === 0) return vector;
  const result = new Float32Array(vector.length);
  for (let index = 0; index < vector.length; index++) result[index] = vector[index]! / length;
  return result;
}

/** Split the rows of a [batch, dimension] tensor's data into normalised vectors. */
export function normalisedRows(data: Float32Array, batchSize: number, dimension: number): Float32Array[] {
  return Array.from({ length: batchSize }, (_, row) => l2Normalise(data.slice(row * dimension, (row + 1) * dimension)));
}
