import fs from 'node:fs/promises';
import path from 'node:path';
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  env,
  pipeline,
  RawImage,
  type PreTrainedTokenizer,
  type Processor,
  type PreTrainedModel,
  type Tensor,
  type ZeroShotImageClassificationPipeline,
} from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stainClasses, tinyImageTextEncoderId } from '@pathlens/models';
import { SeededRandom } from '../../packages/models/src/random/seeded-random.ts';
import { sharedDataFile } from '../helpers/shared-data.ts';
import { generateTinyModelsInTempDir, tokenizerSourceCases, type TinyModelsInTempDir } from './tiny-model-fixtures.ts';
import { cosine } from '../helpers/vectors.ts';

/** One prompt per stain class, in `stainClasses` order. */
const classPrompts = [
  'purple nuclei',
  'pink eosinophilic stroma',
  'white background',
  'red blood cells',
  'adipose fat tissue',
];

/** Single words that the real CLIP tokenizer splits into several BPE pieces (he·mat·oxy·lin, e·os·in, ...). */
const multiPieceWordPrompts = ['hematoxylin', 'an image of eosin', 'empty glass', 'erythrocytes', 'adipocytes'];

function solidImage(rgb: readonly number[], widthPx = 320, heightPx = 256): RawImage {
  const data = new Uint8ClampedArray(widthPx * heightPx * 3);
  for (let pixel = 0; pixel < widthPx * heightPx; pixel += 1) {
    for (let channel = 0; channel < 3; channel += 1) data[pixel * 3 + channel] = Math.round(rgb[channel]! * 255);
  }
  return new RawImage(data, widthPx, heightPx, 3);
}

/** The colour plus uniform per-pixel noise of ±`amplitude` levels, small enough never to clip. */
function noisyImage(rgb: readonly number[], seed: number, amplitude = 10): RawImage {
  const image = solidImage(rgb);
  const random = new SeededRandom(seed);
  for (let index = 0; index < image.data.length; index += 1)
    image.data[index] = image.data[index]! + Math.round((random.nextUniform() * 2 - 1) * amplitude);
  return image;
}

function rows(tensor: Tensor): number[][] {
  return tensor.tolist() as number[][];
}

function argmax(values: number[]): number {
  return values.indexOf(Math.max(...values));
}

for (const source of tokenizerSourceCases) {
  describe.skipIf(source.sharedTokenizersDir === undefined)(`tiny CLIP with ${source.name}`, () => {
    let models: TinyModelsInTempDir;
    let tokenizer: PreTrainedTokenizer;
    let processor: Processor;
    let visionModel: PreTrainedModel;
    let textModel: PreTrainedModel;

    const embedImages = async (images: RawImage[]) =>
      rows(((await visionModel(await processor(images))) as { image_embeds: Tensor }).image_embeds);
    const embedTexts = async (texts: string[]) =>
      rows(
        ((await textModel(tokenizer(texts, { padding: true, truncation: true }))) as { text_embeds: Tensor })
          .text_embeds,
      );

    beforeAll(async () => {
      models = await generateTinyModelsInTempDir(source.sharedTokenizersDir!);
      env.allowRemoteModels = false;
      env.localModelPath = models.modelsDir + path.sep;
      tokenizer = await AutoTokenizer.from_pretrained(tinyImageTextEncoderId);
      processor = await AutoProcessor.from_pretrained(tinyImageTextEncoderId);
      visionModel = await CLIPVisionModelWithProjection.from_pretrained(tinyImageTextEncoderId);
      textModel = await CLIPTextModelWithProjection.from_pretrained(tinyImageTextEncoderId);
    });
    afterAll(async () => {
      await visionModel?.dispose();
      await textModel?.dispose();
      await models?.remove();
    });

    it('tokenises with start and end tokens and a 77-token limit', () => {
      const ids = (tokenizer('Purple nuclei').input_ids as Tensor).tolist() as bigint[][];
      expect(tokenizer.bos_token).toBe('<|startoftext|>');
      expect(tokenizer.eos_token).toBe('<|endoftext|>');
      expect(ids[0]![0]).toBe(BigInt(tokenizer.bos_token_id!));
      expect(ids[0]!.at(-1)).toBe(BigInt(tokenizer.eos_token_id!));
      expect(ids[0]!.length).toBeGreaterThanOrEqual(4);
      expect(tokenizer.model_max_length).toBe(77);
    });

    it('preprocesses any image size to CLIP-normalised 224 × 224', async () => {
      const { pixel_values } = (await processor(solidImage([0.95, 0.95, 0.95], 500, 300))) as { pixel_values: Tensor };
      expect(pixel_values.dims).toEqual([1, 3, 224, 224]);
      // White 242/255 under CLIP's red mean/std.
      expect((pixel_values.data as Float32Array)[0]).toBeCloseTo((242 / 255 - 0.48145466) / 0.26862954, 4);
    });

    it('gives 512-d image and text embeddings that callers must normalise', async () => {
      const imageEmbeddings = await embedImages([
        solidImage(stainClasses[0]!.meanRgb),
        solidImage(stainClasses[1]!.meanRgb),
      ]);
      const textEmbeddings = await embedTexts(['purple nuclei', 'an H&E image of pink stroma']);
      expect(imageEmbeddings.map((row) => row.length)).toEqual([512, 512]);
      expect(textEmbeddings.map((row) => row.length)).toEqual([512, 512]);
      expect(Math.hypot(...imageEmbeddings[0]!)).toBeGreaterThan(2);
    });

    it.each([
      ['colour and tissue words', classPrompts],
      ['words split into BPE pieces', multiPieceWordPrompts],
    ])('matches %s to the image of their colour, for solid and noisy patches', async (_description, prompts) => {
      const textEmbeddings = await embedTexts(prompts);
      for (const makeImage of [
        (rgb: readonly number[]) => solidImage(rgb),
        (rgb: readonly number[], index: number) => noisyImage(rgb, 100 + index),
      ]) {
        const imageEmbeddings = await embedImages(
          stainClasses.map((stainClass, index) => makeImage(stainClass.meanRgb, index)),
        );
        for (let classIndex = 0; classIndex < stainClasses.length; classIndex += 1) {
          const text = textEmbeddings[classIndex]!;
          const textToImages = imageEmbeddings.map((image) => cosine(text, image));
          const imageToTexts = textEmbeddings.map((candidate) => cosine(candidate, imageEmbeddings[classIndex]!));
          expect(
            argmax(textToImages),
            `"${prompts[classIndex]}" should be closest to the ${stainClasses[classIndex]!.name} patch`,
          ).toBe(classIndex);
          expect(
            argmax(imageToTexts),
            `the ${stainClasses[classIndex]!.name} patch should be closest to "${prompts[classIndex]}"`,
          ).toBe(classIndex);
          // A clear margin over every other colour, not a tie broken by noise.
          for (const [otherIndex, similarity] of textToImages.entries()) {
            if (otherIndex !== classIndex) expect(textToImages[classIndex]! - similarity).toBeGreaterThan(0.3);
          }
        }
      }
    });

    it('follows the mean colour: noise barely moves it, a nearby colour moves it a little', async () => {
      const purple = stainClasses[0]!.meanRgb;
      const [solid, noisy, nearby] = await embedImages([
        solidImage(purple),
        noisyImage(purple, 7),
        solidImage([purple[0] + 0.08, purple[1] + 0.05, purple[2] + 0.05]),
      ]);
      expect(cosine(solid!, noisy!)).toBeGreaterThan(0.999);
      expect(cosine(solid!, nearby!)).toBeGreaterThan(0.8);
      expect(cosine(solid!, nearby!)).toBeLessThan(0.9999);
    });

    it('ignores padding: a text embeds the same alone and in a padded batch', async () => {
      const [alone] = await embedTexts(['purple nuclei']);
      const [padded] = await embedTexts([
        'purple nuclei',
        'a much longer description of pink eosinophilic stroma around glands',
      ]);
      alone!.forEach((value, index) => expect(padded![index]).toBeCloseTo(value, 5));
    });

    it('runs the zero-shot-image-classification pipeline on onnx/model.onnx', async () => {
      const classifier = (await pipeline(
        'zero-shot-image-classification',
        tinyImageTextEncoderId,
      )) as ZeroShotImageClassificationPipeline;
      try {
        for (const [classIndex, stainClass] of stainClasses.entries()) {
          const results = (await classifier(noisyImage(stainClass.meanRgb, classIndex), classPrompts)) as {
            label: string;
            score: number;
          }[];
          expect(results[0]!.label).toBe(classPrompts[classIndex]);
          expect(results.reduce((sum, result) => sum + result.score, 0)).toBeCloseTo(1, 5);
        }
      } finally {
        await classifier.dispose();
      }
    });

    const adiposePatch = sharedDataFile('patches/crc-val-he-7k-32/ADI-TCGA-EENSRDNW.png');
    it.skipIf(adiposePatch === undefined)(
      'separates fat and background from stained tissue on real H&E patches',
      async () => {
        const folder = path.dirname(adiposePatch!);
        const classifier = (await pipeline(
          'zero-shot-image-classification',
          tinyImageTextEncoderId,
        )) as ZeroShotImageClassificationPipeline;
        try {
          for (const file of (await fs.readdir(folder)).filter((name) => name.endsWith('.png'))) {
            const [top] = (await classifier(await RawImage.read(path.join(folder, file)), classPrompts)) as {
              label: string;
            }[];
            const expected = file.startsWith('ADI')
              ? ['white background', 'adipose fat tissue']
              : ['purple nuclei', 'pink eosinophilic stroma'];
            expect(expected, file).toContain(top!.label);
          }
        } finally {
          await classifier.dispose();
        }
      },
    );
  });
}
