import { describe, expect, it } from 'vitest';
import { toPixelValues, type ClipPreprocessing } from '../../packages/encoders/src/clip/clip-preprocessing.ts';

const preprocessing: ClipPreprocessing = {
  inputSizePx: 4,
  imageMean: [0.48145466, 0.4578275, 0.40821073],
  imageStd: [0.26862954, 0.26130258, 0.27577711],
};

function image(seed: number) {
  const data = new Uint8Array(4 * 4 * 3).map((_, index) => (index * 37 + seed * 11) % 256);
  return { data, widthPx: 4, heightPx: 4 };
}

describe('CLIP preprocessing (HWC uint8 → normalised CHW float32)', () => {
  it('gives (byte / 255 − mean) / std per channel, planes in R, G, B order', async () => {
    const images = [image(1), image(2)];
    const values = await toPixelValues(images, preprocessing);
    expect(values.length).toBe(2 * 3 * 16);
    images.forEach((source, imageIndex) => {
      for (let pixel = 0; pixel < 16; pixel++) {
        for (let channel = 0; channel < 3; channel++) {
          const expected =
            (source.data[pixel * 3 + channel]! / 255 - preprocessing.imageMean[channel]!) /
            preprocessing.imageStd[channel]!;
          expect(values[imageIndex * 48 + channel * 16 + pixel]).toBeCloseTo(expected, 5);
        }
      }
    });
  });

  it('writes into a reused buffer and returns only the batch’s part of it', async () => {
    const target = new Float32Array(3 * 3 * 16);
    const full = await toPixelValues([image(1), image(2), image(3)], preprocessing, { target });
    expect(full.buffer).toBe(target.buffer);
    const smaller = await toPixelValues([image(4)], preprocessing, { target });
    expect(smaller.buffer).toBe(target.buffer);
    expect(smaller.length).toBe(48);
    expect(Array.from(smaller)).toEqual(Array.from(await toPixelValues([image(4)], preprocessing)));
  });
});
