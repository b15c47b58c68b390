/** A weight matrix as signed 8-bit integers plus the scale(s) that map them back: `value ≈ quantized × scale`. */
export interface Int8Weights {
  /** Row-major [rows, columns], like the fp32 matrix it replaces. */
  quantized: Int8Array;
  /** One scale for the whole matrix, or one per column (`perColumn`). */
  scales: Float32Array;
}

/** Symmetric int8 range ONNX Runtime's quantizer uses for weights: [-127, 127], zero point 0. */
const int8Limit = 127;

/**
 * Rounds an fp32 weight matrix [rows, columns] to int8 the way `onnxruntime.quantization.quantize_dynamic`
 * does with its defaults (QInt8 weights, symmetric, no reduced range): scale = max |w| / 127,
 * zero point 0, round half to even. `perColumn` keeps one scale per output column (its
 * `per_channel=True` for MatMul), which follows columns of very different magnitude more closely.
 *
 * @example
 * const { quantized, scales } = quantizeInt8Weights(weights, 768, 3072, { perColumn: false });
 */
export function quantizeInt8Weights(
  values: Float32Array,
  rows: number,
  columns: number,
  options: { perColumn: boolean },
): Int8Weights {
  if (values.length !== rows * columns)
    throw new Error(`quantizeInt8Weights: ${values.length} values for [${rows}, ${columns}]`);
  const scales = new Float32Array(options.perColumn ? columns : 1);
  const largest = new Float64Array(scales.length);
  for (let row = 0; row < rows; row += 1) {
    const offset = row * columns;
    for (let column = 0; column < columns; column += 1) {
      const magnitude = Math.abs(values[offset + column]!);
      const slot = options.perColumn ? column : 0;
      if (magnitude > largest[slot]!) largest[slot] = magnitude;
    }
  }
  // An all-zero column keeps scale 1 (any scale reproduces zeros; 0 would divide by zero).
  for (let slot = 0; slot < scales.length; slot += 1)
    scales[slot] = largest[slot]! > 0 ? largest[slot]! / int8Limit : 1;
  const quantized = new Int8Array(values.length);
  for (let row = 0; row < rows; row += 1) {
    const offset = row * columns;
    for (let column = 0; column < columns; column += 1) {
      const scale = scales[options.perColumn ? column : 0]!;
      const level = roundHalfToEven(values[offset + column]! / scale);
      quantized[offset + column] = Math.max(-int8Limit, Math.min(int8Limit, level));
    }
  }
  return { quantized, scales };
}

/** numpy's `rint`, which ONNX Runtime's quantizer rounds with: ties go to the even integer. */
function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}
