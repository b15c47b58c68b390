import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClipImageEncoder, ClipTextEncoder, decodeImage } from '@pathlens/encoders';
import { stainColours, stainPatchPng } from '../helpers/stain-fixtures.ts';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);

describe('CLIP encoders on the tiny generated model', () => {
  let imageEncoder: ClipImageEncoder;
  let textEncoder: ClipTextEncoder;
  beforeAll(async () => {
    const options = { modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' };
    [imageEncoder, textEncoder] = await Promise.all([ClipImageEncoder.load(options), ClipTextEncoder.load(options)]);
  });
  afterAll(async () => {
    await imageEncoder?.dispose();
    await textEncoder?.dispose();
  });

  it('declares its limits', () => {
    expect(imageEncoder.embeddingDimension).toBe(512);
    expect(imageEncoder.inputSizePx).toBe(224);
    expect(textEncoder.maxTokens).toBe(77);
  });

  it('returns one L2-normalised 512-d embedding per input, in order, for any image size', async () => {
    const purple = await decodeImage(await stainPatchPng(stainColours.hematoxylin, 1, 300));
    const pink = await decodeImage(await stainPatchPng(stainColours.eosin, 2));
    const images = await imageEncoder.embedImages([purple, pink]);
    const texts = await textEncoder.embedTexts([
      'purple nuclei',
      'pink eosin stroma',
      'a much longer sentence '.repeat(40),
    ]);
    expect(images).toHaveLength(2);
    expect(texts).toHaveLength(3);
    for (const embedding of [...images, ...texts]) {
      expect(embedding).toHaveLength(512);
      expect(Math.sqrt(dot(embedding, embedding))).toBeCloseTo(1, 5);
    }
    // The designed signal: each stain's words sit closest to that stain's pixels.
    expect(dot(texts[0]!, images[0]!)).toBeGreaterThan(dot(texts[0]!, images[1]!));
    expect(dot(texts[1]!, images[1]!)).toBeGreaterThan(dot(texts[1]!, images[0]!));
  });

  it('gives the same embedding for the same image in different batches', async () => {
    const purple = await decodeImage(await stainPatchPng(stainColours.hematoxylin, 3));
    const pink = await decodeImage(await stainPatchPng(stainColours.eosin, 4));
    const [alone] = await imageEncoder.embedImages([purple]);
    const [, inBatch] = await imageEncoder.embedImages([pink, purple]);
    for (let index = 0; index < 512; index += 64) expect(inBatch![index]).toBeCloseTo(alone![index]!, 5);
  });
});
