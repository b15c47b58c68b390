/**
 * Weight precisions of a model's ONNX files, as transformers.js names them (its `dtype` option).
 * `q8` is ONNX Runtime's dynamic int8 quantization (`pathlens models quantize` makes it from fp32).
 */
export const modelDtypes = ['fp32', 'q8', 'q4', 'fp16'] as const;

export type ModelDtype = (typeof modelDtypes)[number];

/** What transformers.js appends to an ONNX file's name for each dtype: `onnx/<name><suffix>.onnx`. */
export const onnxFileSuffixes: Record<ModelDtype, string> = {
  fp32: '',
  q8: '_quantized',
  q4: '_q4',
  fp16: '_fp16',
};

/**
 * The path of one ONNX file of a model folder for a dtype.
 *
 * @example
 * onnxFilePath('vision_model', 'q8'); // 'onnx/vision_model_quantized.onnx'
 */
export function onnxFilePath(baseName: string, dtype: ModelDtype): string {
  return `onnx/${baseName}${onnxFileSuffixes[dtype]}.onnx`;
}
