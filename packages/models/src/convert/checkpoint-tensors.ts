import { PathLensError } from '@pathlens/core';
import { transposeMatrix, type LinearWeights, type NormWeights } from './clip-architecture.ts';

/** One weight of a checkpoint, widened to float32, row-major. */
export interface CheckpointTensor {
  shape: number[];
  values: Float32Array;
}

/**
 * The named tensors of a checkpoint (a safetensors file or a PyTorch `.bin`), as the
 * converter reads them: by state-dict key, each widened to float32 on first use.
 */
export class CheckpointTensors {
  constructor(
    /** File the tensors came from; named in errors. */
    readonly sourceFile: string,
    private readonly readers: ReadonlyMap<string, () => CheckpointTensor>,
  ) {}

  get names(): string[] {
    return [...this.readers.keys()];
  }

  has(name: string): boolean {
    return this.readers.has(name);
  }

  /** The tensor under `name`, checked against `expectedShape` when given. */
  get(name: string, expectedShape?: readonly number[]): CheckpointTensor {
    const read = this.readers.get(name);
    if (!read) {
      throw new PathLensError(
        'unsupported_format',
        `${this.sourceFile} has no weight "${name}": it is not a checkpoint of the architecture its config describes.`,
        { sourceFile: this.sourceFile, name },
      );
    }
    const tensor = read();
    if (
      expectedShape &&
      (tensor.shape.length !== expectedShape.length ||
        tensor.shape.some((size, index) => size !== expectedShape[index]))
    ) {
      throw new PathLensError(
        'unsupported_format',
        `${this.sourceFile}: weight "${name}" has shape [${tensor.shape.join(', ')}], but the config implies [${expectedShape.join(', ')}]. Check that the config file belongs to this checkpoint.`,
        { sourceFile: this.sourceFile, name, shape: tensor.shape, expectedShape },
      );
    }
    return tensor;
  }
}

/** Element types checkpoints store weights in, and how to widen each to float32. */
export type StoredElementType = 'float32' | 'float16' | 'bfloat16';

export const storedElementBytes: Record<StoredElementType, number> = { float32: 4, float16: 2, bfloat16: 2 };

/** Copies `count` little-endian elements starting at `byteOffset` of `bytes` into a new Float32Array. */
export function widenToFloat32(
  bytes: Uint8Array,
  byteOffset: number,
  count: number,
  elementType: StoredElementType,
): Float32Array {
  const values = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, count * storedElementBytes[elementType]);
  if (elementType === 'float32') {
    for (let index = 0; index < count; index++) values[index] = view.getFloat32(index * 4, true);
  } else if (elementType === 'bfloat16') {
    const widened = new Uint32Array(values.buffer);
    for (let index = 0; index < count; index++) widened[index] = view.getUint16(index * 2, true) << 16;
  } else {
    for (let index = 0; index < count; index++) values[index] = halfToFloat(view.getUint16(index * 2, true));
  }
  return values;
}

function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * Readers for the weight shapes CLIP layers use, each checking the checkpoint's shape:
 * `matrix` and `linear` transpose PyTorch's [out, in] into the graph's [in, out].
 */
export function weightReaders(tensors: CheckpointTensors) {
  const vector = (name: string, size: number) => tensors.get(name, [size]).values;
  const matrix = (name: string, outputs: number, inputs: number) =>
    transposeMatrix(tensors.get(name, [outputs, inputs]).values, outputs, inputs);
  return {
    vector,
    matrix,
    norm: (name: string, width: number): NormWeights => ({
      weight: vector(`${name}.weight`, width),
      bias: vector(`${name}.bias`, width),
    }),
    linear: (name: string, outputs: number, inputs: number): LinearWeights => ({
      weight: matrix(`${name}.weight`, outputs, inputs),
      bias: vector(`${name}.bias`, outputs),
    }),
  };
}
