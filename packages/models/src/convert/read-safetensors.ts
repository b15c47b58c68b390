import fs from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import { CheckpointTensors, storedElementBytes, widenToFloat32, type StoredElementType } from './checkpoint-tensors.ts';

/** safetensors dtype names → the element types the converter widens. */
const safetensorsTypes: Record<string, StoredElementType> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Reads a `.safetensors` file: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the raw little-endian data.
 * Format: https://github.com/huggingface/safetensors#format
 *
 * @example
 * const tensors = await readSafetensors('models/plip/model.safetensors');
 * tensors.get('visual_projection.weight', [512, 768]);
 */
export async function readSafetensors(filePath: string): Promise<CheckpointTensors> {
  const name = path.basename(filePath);
  const bytes = new Uint8Array(await fs.readFile(filePath));
  const corrupt = (problem: string) =>
    new PathLensError('corrupt_file', `${name} is not a valid safetensors file (${problem}). Download it again.`, {
      filePath,
      problem,
    });
  if (bytes.byteLength < 8) throw corrupt('shorter than its header');
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8) throw corrupt('header length past the end of the file');
  let header: Record<string, SafetensorsEntry | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw corrupt('header is not JSON');
  }
  const dataStart = 8 + headerLength;
  const readers = new Map<string, () => { shape: number[]; values: Float32Array }>();
  for (const [tensorName, entry] of Object.entries(header)) {
    if (tensorName === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as SafetensorsEntry;
    const count = shape.reduce((product, size) => product * size, 1);
    const elementType = safetensorsTypes[dtype];
    if (!elementType) {
      // Integer buffers (such as `position_ids`) are not weights; other float types are refused when read.
      readers.set(tensorName, () => {
        throw new PathLensError(
          'unsupported_format',
          `${name}: tensor "${tensorName}" is stored as ${dtype}; only F32, F16 and BF16 weights are converted.`,
          { filePath, tensorName, dtype },
        );
      });
      continue;
    }
    if (
      offsets[1] - offsets[0] !== count * storedElementBytes[elementType] ||
      dataStart + offsets[1] > bytes.byteLength
    ) {
      throw corrupt(`tensor "${tensorName}" does not fit its byte range`);
    }
    readers.set(tensorName, () => ({
      shape,
      values: widenToFloat32(bytes, dataStart + offsets[0], count, elementType),
    }));
  }
  return new CheckpointTensors(name, readers);
}
