import path from 'node:path';
import AdmZip from 'adm-zip';
import { PathLensError } from '@pathlens/core';
import {
  CheckpointTensors,
  storedElementBytes,
  widenToFloat32,
  type CheckpointTensor,
  type StoredElementType,
} from './checkpoint-tensors.ts';
import { unpickleStateDict, type PickledTensor } from './unpickle-state-dict.ts';

/** Storage classes `torch.save` names, and the float types the converter widens. */
const storageTypes: Record<string, StoredElementType | 'other'> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'other',
  IntStorage: 'other',
  BoolStorage: 'other',
};

/**
 * Reads a PyTorch `torch.save` checkpoint (`.bin` / `.pt`, the zip format of PyTorch ≥ 1.6):
 * `<archive>/data.pkl` is a pickle of the state dict whose tensors point at raw little-endian
 * buffers `<archive>/data/<key>`. Only the pickle operations a state dict needs are run
 * (dicts, tuples, tensors, storages); any other Python object is refused, so a checkpoint cannot
 * run code here.
 */
export async function readPytorchCheckpoint(filePath: string): Promise<CheckpointTensors> {
  const name = path.basename(filePath);
  let zip: AdmZip;
  try {
    zip = new AdmZip(filePath);
  } catch (error) {
    throw new PathLensError(
      'unsupported_format',
      `${name} is not a zip-format PyTorch checkpoint (PyTorch 1.6 or later writes one). Re-save it with torch.save in a recent PyTorch, or use the model's .safetensors file.`,
      { filePath },
      { cause: error },
    );
  }
  const entries = new Map(zip.getEntries().map((entry) => [entry.entryName, entry]));
  const pickleEntry = [...entries.keys()].find(
    (entryName) => entryName.endsWith('/data.pkl') || entryName === 'data.pkl',
  );
  if (!pickleEntry)
    throw new PathLensError('corrupt_file', `${name} has no data.pkl: it is not a PyTorch checkpoint.`, { filePath });
  const archivePrefix = pickleEntry.slice(0, -'data.pkl'.length);
  let tensors: Map<string, PickledTensor>;
  try {
    tensors = unpickleStateDict(new Uint8Array(entries.get(pickleEntry)!.getData()));
  } catch (error) {
    throw new PathLensError(
      'unsupported_format',
      `${name}: ${(error as Error).message}. Use the model's .safetensors file instead.`,
      { filePath },
      { cause: error },
    );
  }
  const storages = new Map<string, Uint8Array>();
  const storageBytes = (key: string) => {
    let bytes = storages.get(key);
    if (!bytes) {
      const entry = entries.get(`${archivePrefix}data/${key}`);
      if (!entry)
        throw new PathLensError(
          'corrupt_file',
          `${name} has no storage ${key}: the file is incomplete. Download it again.`,
          { filePath, key },
        );
      bytes = new Uint8Array(entry.getData());
      storages.set(key, bytes);
    }
    return bytes;
  };

  const readers = new Map<string, () => CheckpointTensor>();
  for (const [tensorName, tensor] of tensors) {
    readers.set(tensorName, () => {
      const elementType = storageTypes[tensor.storageType];
      if (!elementType || elementType === 'other') {
        throw new PathLensError(
          'unsupported_format',
          `${name}: tensor "${tensorName}" is a ${tensor.storageType}; only float32, float16 and bfloat16 weights are converted.`,
          { filePath, tensorName },
        );
      }
      const bytes = storageBytes(tensor.storageKey);
      const count = tensor.shape.reduce((product, size) => product * size, 1);
      const contiguous = tensor.stride.every(
        (stride, axis) =>
          stride === tensor.shape.slice(axis + 1).reduce((product, size) => product * size, 1) ||
          tensor.shape[axis] === 1,
      );
      if (contiguous)
        return {
          shape: tensor.shape,
          values: widenToFloat32(bytes, tensor.offset * storedElementBytes[elementType], count, elementType),
        };
      return { shape: tensor.shape, values: gatherStrided(bytes, tensor, elementType, count) };
    });
  }
  return new CheckpointTensors(name, readers);
}

/** A non-contiguous view (such as a transposed weight): copied element by element in row-major order. */
function gatherStrided(
  bytes: Uint8Array,
  tensor: PickledTensor,
  elementType: StoredElementType,
  count: number,
): Float32Array {
  const storageCount = bytes.byteLength / storedElementBytes[elementType];
  const storage = widenToFloat32(bytes, 0, storageCount, elementType);
  const values = new Float32Array(count);
  const index = new Array<number>(tensor.shape.length).fill(0);
  for (let position = 0; position < count; position++) {
    let offset = tensor.offset;
    for (let axis = 0; axis < index.length; axis++) offset += index[axis]! * tensor.stride[axis]!;
    values[position] = storage[offset]!;
    for (let axis = index.length - 1; axis >= 0; axis--) {
      if (++index[axis]! < tensor.shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return values;
}
