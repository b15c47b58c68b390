import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '../errors/pathlens-error.ts';
import { onnxFilePath, type ModelDtype } from '../config/model-dtype.ts';

/**
 * Checks that a model folder has the ONNX files a dtype needs (`onnx/<base><suffix>.onnx`) before
 * transformers.js is asked to load them, and says how to get a missing one: an int8 file is made
 * from the fp32 one by `pathlens models quantize`.
 *
 * @example
 * await requireOnnxFiles({ folder, modelId: 'pathlens/tiny-clip', dtype: 'q8', baseNames: ['vision_model'] });
 */
export async function requireOnnxFiles(request: {
  folder: string;
  modelId: string;
  dtype: ModelDtype;
  baseNames: readonly string[];
}): Promise<void> {
  const isFile = (file: string) =>
    stat(path.join(request.folder, file)).then(
      (stats) => stats.isFile() && stats.size > 0,
      () => false,
    );
  for (const baseName of request.baseNames) {
    const file = onnxFilePath(baseName, request.dtype);
    if (await isFile(file)) continue;
    const fp32File = onnxFilePath(baseName, 'fp32');
    const howToFix =
      request.dtype === 'q8' && (await isFile(fp32File))
        ? `Make it from ${fp32File} with \`pathlens models quantize ${request.modelId}\`, or use dtype fp32.`
        : `Download the model again with \`pathlens models pull ${request.modelId}\`, or choose a dtype whose files are there.`;
    throw new PathLensError(
      'model_not_found',
      `${request.modelId}: ${file} (dtype ${request.dtype}) is missing in ${request.folder}. ${howToFix}`,
      { modelId: request.modelId, dtype: request.dtype, file },
    );
  }
}
