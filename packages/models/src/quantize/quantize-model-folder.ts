import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { onnxFileSuffixes, PathLensError, writeFileAtomically } from '@pathlens/core';
import { quantizeDynamic, type QuantizeDynamicOptions } from './quantize-dynamic.ts';

export interface QuantizedFile {
  /** The fp32 source, relative to the model folder (`onnx/vision_model.onnx`). */
  sourceFile: string;
  /** What was written beside it (`onnx/vision_model_quantized.onnx`). */
  quantizedFile: string;
  quantizedNodeCount: number;
  sourceBytes: number;
  quantizedBytes: number;
}

/** Suffixes of ONNX files that are already not fp32 (transformers.js's dtype names, and the hub's int8/uint8/bnb4). */
const nonFp32Suffixes = [...Object.values(onnxFileSuffixes).filter(Boolean), '_int8', '_uint8', '_bnb4', '_q4f16'];

/** The `_quantized.onnx` (q8) name of an fp32 ONNX file, or null when the file is not fp32. */
export function quantizedFileName(onnxFile: string): string | null {
  if (!onnxFile.endsWith('.onnx')) return null;
  const stem = onnxFile.slice(0, -'.onnx'.length);
  if (nonFp32Suffixes.some((suffix) => stem.endsWith(suffix))) return null;
  return `${stem}${onnxFileSuffixes.q8}.onnx`;
}

/**
 * Writes `onnx/<name>_quantized.onnx` (transformers.js dtype `q8`) next to every fp32
 * `onnx/<name>.onnx` of a model folder, by ONNX Runtime's dynamic int8 scheme
 * (`quantizeDynamic`). Each file is written atomically; existing quantized files are replaced.
 *
 * @example
 * const files = await quantizeModelFolder('./models/pathlens/tiny-clip');
 */
export async function quantizeModelFolder(
  folder: string,
  options: QuantizeDynamicOptions & { log?: (line: string) => void } = {},
): Promise<QuantizedFile[]> {
  const onnxFolder = path.join(folder, 'onnx');
  const names = await readdir(onnxFolder).catch(() => [] as string[]);
  const sources = names.filter((name) => quantizedFileName(name) !== null).sort();
  if (sources.length === 0)
    throw new PathLensError(
      'model_not_found',
      `No fp32 ONNX files (onnx/<name>.onnx) in ${folder} to quantize. Download or convert the model first (\`pathlens models pull <id>\` or \`pathlens models convert\`).`,
      { folder },
    );
  const results: QuantizedFile[] = [];
  for (const name of sources) {
    const startedMs = performance.now();
    const sourceBytes = await readFile(path.join(onnxFolder, name));
    const quantized = quantizeDynamic(sourceBytes, options);
    const quantizedName = quantizedFileName(name)!;
    await writeFileAtomically(path.join(onnxFolder, quantizedName), quantized.modelBytes);
    const result = {
      sourceFile: `onnx/${name}`,
      quantizedFile: `onnx/${quantizedName}`,
      quantizedNodeCount: quantized.quantizedNodeCount,
      sourceBytes: (await stat(path.join(onnxFolder, name))).size,
      quantizedBytes: quantized.modelBytes.byteLength,
    };
    results.push(result);
    options.log?.(
      `${result.quantizedFile}: ${result.quantizedNodeCount} MatMul/Gemm to int8, ${megabytes(result.sourceBytes)} → ${megabytes(result.quantizedBytes)} MB in ${((performance.now() - startedMs) / 1000).toFixed(1)} s`,
    );
  }
  return results;
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
