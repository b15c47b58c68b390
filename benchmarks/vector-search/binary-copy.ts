/**
 * PostgreSQL's binary COPY format for rows `(id integer, embedding vector(d))`: no text
 * parsing on the server side, which in PGlite's WASM build is ~20× faster than text rows.
 * pgvector's binary vector is `int16 dimensions, int16 unused, float4[dimensions]`, big-endian.
 * Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
 */
const signature = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];

/** The 19-byte file header: signature, flags, header-extension length. */
export function binaryCopyHeader(): Uint8Array {
  const header = new Uint8Array(19);
  header.set(signature, 0);
  return header; // flags and extension length are zero
}

/** The two-byte trailer (field count -1). */
export function binaryCopyTrailer(): Uint8Array {
  return new Uint8Array([0xff, 0xff]);
}

/** Rows `firstId, firstId + 1, …` of a row-major `vectors` block as binary COPY tuples. */
export function binaryCopyRows(vectors: Float32Array, dimensions: number, firstId: number): Uint8Array {
  const rowCount = vectors.length / dimensions;
  const vectorBytes = 4 + 4 * dimensions;
  const rowBytes = 2 + 4 + 4 + 4 + vectorBytes;
  const bytes = new Uint8Array(rowCount * rowBytes);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (let row = 0; row < rowCount; row += 1) {
    view.setInt16(offset, 2);
    view.setInt32(offset + 2, 4);
    view.setInt32(offset + 6, firstId + row);
    view.setInt32(offset + 10, vectorBytes);
    view.setInt16(offset + 14, dimensions);
    view.setInt16(offset + 16, 0);
    offset += 18;
    const rowOffset = row * dimensions;
    for (let index = 0; index < dimensions; index += 1) {
      view.setFloat32(offset, vectors[rowOffset + index]!);
      offset += 4;
    }
  }
  return bytes;
}
