import sharp from 'sharp';
import type { RgbImage } from '../slide-reader.ts';
import type { DicomInstance } from './dicom-instance.ts';

/**
 * Decodes one frame to RGB at the instance's tile size.
 *
 * JPEG frames go to sharp (libjpeg-turbo), which takes the colour space from the JPEG stream
 * itself (JFIF/Adobe markers, component ids). Photometric Interpretation is deliberately not
 * consulted for them: real files say RGB over YCbCr-coded data and the other way round, while
 * the stream is unambiguous. Native frames honour Photometric Interpretation (RGB, YBR_FULL,
 * MONOCHROME1/2) and Planar Configuration.
 */
export async function decodeFrame(instance: DicomInstance, encoded: Buffer): Promise<RgbImage> {
  const widthPx = instance.tileWidthPx;
  const heightPx = instance.tileHeightPx;
  if (instance.transferSyntax.pixels === 'jpeg') {
    const { data, info } = await sharp(encoded, { failOn: 'error' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width !== widthPx || info.height !== heightPx || info.channels !== 3) {
      throw new Error(
        `a JPEG frame decodes to ${info.width}×${info.height}×${info.channels}, but the file declares ${widthPx}×${heightPx} RGB frames`,
      );
    }
    return { data, widthPx, heightPx };
  }
  return { data: nativeToRgb(instance, encoded), widthPx, heightPx };
}

function nativeToRgb(instance: DicomInstance, samples: Buffer): Buffer {
  const pixelCount = instance.tileWidthPx * instance.tileHeightPx;
  if (instance.bitsAllocated !== 8)
    throw new Error(`${instance.bitsAllocated}-bit samples are not supported (whole-slide images are 8-bit)`);
  const photometric = instance.photometricInterpretation;
  if (instance.samplesPerPixel === 1 && (photometric === 'MONOCHROME2' || photometric === 'MONOCHROME1')) {
    const rgb = Buffer.allocUnsafe(pixelCount * 3);
    const invert = photometric === 'MONOCHROME1';
    for (let pixel = 0; pixel < pixelCount; pixel++) {
      const value = invert ? 255 - samples[pixel]! : samples[pixel]!;
      rgb[pixel * 3] = value;
      rgb[pixel * 3 + 1] = value;
      rgb[pixel * 3 + 2] = value;
    }
    return rgb;
  }
  if (instance.samplesPerPixel !== 3 || (photometric !== 'RGB' && photometric !== 'YBR_FULL')) {
    throw new Error(`uncompressed ${photometric} with ${instance.samplesPerPixel} samples per pixel is not supported`);
  }
  let rgb = samples;
  if (instance.planarConfiguration === 1) {
    rgb = Buffer.allocUnsafe(pixelCount * 3);
    for (let pixel = 0; pixel < pixelCount; pixel++) {
      rgb[pixel * 3] = samples[pixel]!;
      rgb[pixel * 3 + 1] = samples[pixelCount + pixel]!;
      rgb[pixel * 3 + 2] = samples[2 * pixelCount + pixel]!;
    }
  }
  if (photometric === 'YBR_FULL') rgb = ybrFullToRgb(rgb === samples ? Buffer.from(samples) : rgb);
  return rgb;
}

/** ITU-R BT.601 full-range YCbCr to RGB, in place (PS3.3 C.7.6.3.1.2). */
function ybrFullToRgb(ycbcr: Buffer): Buffer {
  const clamp = (value: number) => (value < 0 ? 0 : value > 255 ? 255 : Math.round(value));
  for (let offset = 0; offset < ycbcr.length; offset += 3) {
    const y = ycbcr[offset]!;
    const cb = ycbcr[offset + 1]! - 128;
    const cr = ycbcr[offset + 2]! - 128;
    ycbcr[offset] = clamp(y + 1.402 * cr);
    ycbcr[offset + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    ycbcr[offset + 2] = clamp(y + 1.772 * cb);
  }
  return ycbcr;
}

/** Why frames of this instance cannot be decoded here, or null when they can. */
export function undecodableReason(instance: DicomInstance): string | null {
  if (instance.transferSyntax.pixels === 'other')
    return `its frames are ${instance.transferSyntax.name}, which PathLens cannot decode (JPEG baseline and uncompressed are supported)`;
  if (instance.transferSyntax.pixels === 'jpeg') return null;
  if (instance.bitsAllocated !== 8) return `its samples are ${instance.bitsAllocated}-bit (8-bit is supported)`;
  const { photometricInterpretation: photometric, samplesPerPixel } = instance;
  if (samplesPerPixel === 1 && (photometric === 'MONOCHROME2' || photometric === 'MONOCHROME1')) return null;
  if (samplesPerPixel === 3 && (photometric === 'RGB' || photometric === 'YBR_FULL')) return null;
  return `its uncompressed frames are ${photometric} with ${samplesPerPixel} samples per pixel (RGB, YBR_FULL and MONOCHROME are supported)`;
}
