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
    typeof crop === 'number' ? crop : crop?.height ?? (typeof size === 'number' ? size : size?.shortest_edge ?? size?.height ?? 224);
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
 * HWC uint8 images → one CHW float32 batch, normalised. Done by hand rather than through
 * AutoProcessor: identical values, about 4× faster on a batch of patches.
 */
export async function toPixelValues(images: RgbPixels[], preprocessing: ClipPreprocessing): Promise<Float32Array> {
  const sizePx = preprocessing.inputSizePx;
  const plane = sizePx * sizePx;
  const batch = new Float32Array(images.length * 3 * plane);
  const fitted = await Promise.all(images.map((image) => fitToInput(image, sizePx)));
  fitted.forEach((image, imageIndex) => {
    const offset = imageIndex * 3 * plane;
    for (let channel = 0; channel < 3; channel++) {
      const mean = preprocessing.imageMean[channel]!;
      const scale = 1 / (255 * preprocessing.imageStd[channel]!);
      const shift = mean / preprocessing.imageStd[channel]!;
      const target = offset + channel * plane;
      for (let pixel = 0; pixel < plane; pixel++) batch[target + pixel] = image.data[pixel * 3 + channel]! * scale - shift;
    }
  });
  return batch;
}
