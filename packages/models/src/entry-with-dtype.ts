import { onnxFileSuffixes, type ModelDtype } from '@pathlens/core';
import type { ModelManifestEntry } from './manifest.ts';

/**
 * A manifest entry loaded at another weight precision (ENCODER_DTYPE, CHAT_DTYPE): the same
 * model with `dtype` replaced and its ONNX files renamed to that dtype's
 * (`onnx/vision_model.onnx` → `onnx/vision_model_quantized.onnx` for q8), so presence checks and
 * downloads look for the files that will be loaded.
 *
 * @example
 * const entry = entryWithDtype(findModelEntry(manifest, 'pathlens/tiny-clip'), 'q8');
 */
export function entryWithDtype<Entry extends ModelManifestEntry>(entry: Entry, dtype: ModelDtype | undefined): Entry {
  if (dtype === undefined || dtype === entry.dtype) return entry;
  const fromSuffix = `${onnxFileSuffixes[entry.dtype]}.onnx`;
  const files = entry.files.map((file) =>
    file.startsWith('onnx/') && file.endsWith(fromSuffix)
      ? `${file.slice(0, -fromSuffix.length)}${onnxFileSuffixes[dtype]}.onnx`
      : file,
  );
  return { ...entry, dtype, files };
}
