import sharp from 'sharp';
import type { RgbPixels } from '../image-encoder.ts';

/** The parts of a CLIP `preprocessor_config.json` the encoder uses. */
export interface ClipPreprocessing {
  inputSizePx: number;
  /** Per channel, applied after rescaling to 0–1. */
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

export function clipPreprocessingFromConfig(config: Record<string, unknown>): ClipPreprocessing {
  const crop = config.crop_size as number | { height: number } | undefined;
  const size = config.size as number | { shortest_edge?: number; height?: number } | undefined;
  const inputSizePx =
    typeof crop === 'number'
      ? crop
      : (crop?.height ?? (typeof size === 'number' ? size : (size?.shortest_edge ?? size?.height ?? 224)));
  return {
    inputSizePx,
    imageMean: (config.image_mean as [number, number, number]) ?? [0.48145466, 0.4578275, 0.40821073],
    imageStd: (config.image_std as [number, number, number]) ?? [0.26862954, 0.26130258, 0.27577711],
  };
}

/** Resize (shortest edge) and centre-crop to the input size, as CLIPImageProcessor does. */
async function fitToInput(image: RgbPixels, sizePx: number): Promise<RgbPixels> {
  if (image.widthPx === sizePx && image.heightPx === sizePx) return image;
  const data = await sharp(image.data, { raw: { width: image.widthPx, height: image.heightPx, channels: 3 } })
    .resize(sizePx, sizePx, { fit: 'cover', position: 'centre', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return { data, widthPx: sizePx, heightPx: sizePx };
}

/**
 * For each channel, the normalised float of every byte value: `(byte / 255 - mean) / std`, so
 * the per-pixel work is one table read and one store.
 */
export function channelLookupTables(preprocessing: ClipPreprocessing): [Float32Array, Float32Array, Float32Array] {
  const table = (channel: number) => {
    const values = new Float32Array(256);
    const mean = preprocessing.imageMean[channel]!;
    const std = preprocessing.imageStd[channel]!;
    for (let byte = 0; byte < 256; byte++) values[byte] = (byte / 255 - mean) / std;
    return values;
  };
  return [table(0), table(1), table(2)];
}

/**
 * HWC uint8 images → one CHW float32 batch, normalised. Done by hand rather than through
 * AutoProcessor: identical values, about 4× faster on a batch of patches. One pass over each
 * image through lookup tables, no per-pixel allocation; with `target` (long enough for the
 * batch) the batch is written into it and a view of it is returned, so a caller can reuse one
 * buffer for every batch.
 */
export async function toPixelValues(
  images: RgbPixels[],
  preprocessing: ClipPreprocessing,
  options: { target?: Float32Array; lookupTables?: [Float32Array, Float32Array, Float32Array] } = {},
): Promise<Float32Array> {
  const sizePx = preprocessing.inputSizePx;
  const plane = sizePx * sizePx;
  const length = images.length * 3 * plane;
  const batch =
    options.target && options.target.length >= length ? options.target.subarray(0, length) : new Float32Array(length);
  const [red, green, blue] = options.lookupTables ?? channelLookupTables(preprocessing);
  const fitted = await Promise.all(images.map((image) => fitToInput(image, sizePx)));
  for (let imageIndex = 0; imageIndex < fitted.length; imageIndex++) {
    const pixels = fitted[imageIndex]!.data;
    const redStart = imageIndex * 3 * plane;
    const greenStart = redStart + plane;
    const blueStart = greenStart + plane;
    for (let pixel = 0, byte = 0; pixel < plane; pixel++, byte += 3) {
      batch[redStart + pixel] = red[pixels[byte]!]!;
      batch[greenStart + pixel] = green[pixels[byte + 1]!]!;
      batch[blueStart + pixel] = blue[pixels[byte + 2]!]!;
    }
  }
  return batch;
}
