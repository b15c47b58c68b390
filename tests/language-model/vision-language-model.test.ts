import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClipImageEncoder, decodeImage } from '@pathlens/encoders';
import {
  TransformersLanguageModel,
  toUpstreamMessage,
  type ChatMessage,
  type SlideEmbeddingInput,
} from '@pathlens/language-model';
import { collectGeneration } from '../helpers/collect-generation.ts';
import { stainColours, stainPatchPng } from '../helpers/stain-fixtures.ts';

const question = 'What does this picture show?';

describe('the tiny vision-language model (LlavaForConditionalGeneration)', () => {
  let model: TransformersLanguageModel;
  let textOnly: TransformersLanguageModel;
  let encoder: ClipImageEncoder;
  let purplePng: Buffer;
  let pinkPng: Buffer;

  beforeAll(async () => {
    const modelsDir = inject('modelsDir');
    [model, textOnly, encoder, purplePng, pinkPng] = await Promise.all([
      TransformersLanguageModel.load({ modelsDir, modelId: 'pathlens/tiny-vlm', demo: true }),
      TransformersLanguageModel.load({ modelsDir, modelId: 'pathlens/tiny-chat', demo: true }),
      ClipImageEncoder.load({ modelsDir, modelId: 'pathlens/tiny-clip' }),
      stainPatchPng(stainColours.hematoxylin, 1),
      stainPatchPng(stainColours.eosin, 2),
    ]);
  });
  afterAll(async () => Promise.all([model?.dispose(), textOnly?.dispose(), encoder?.dispose()]));

  const asking = (png: Buffer): ChatMessage[] => [
    {
      role: 'user',
      content: question,
      images: [{ bytes: new Uint8Array(png), mediaType: 'image/png', label: 'Evidence [1]:' }],
    },
  ];
  const answer = async (
    target: TransformersLanguageModel,
    messages: ChatMessage[],
    slideEmbedding?: SlideEmbeddingInput,
  ) => (await collectGeneration(target.generate({ messages, maxNewTokens: 30, temperature: 0, slideEmbedding }))).text;

  it('says what it can take', () => {
    expect(model).toMatchObject({ acceptsImages: true, acceptsSlideEmbedding: true });
    expect(model.maxImagesPerRequest).toBeGreaterThan(0);
    expect(textOnly).toMatchObject({ acceptsImages: false, acceptsSlideEmbedding: false, maxImagesPerRequest: 0 });
    expect(textOnly).toMatchObject({ promptTokensPerImage: 0, slideTokenCount: 0 });
  });

  it('knows what a picture and the slide tokens cost its context, as a request measures them', async () => {
    const promptTokens = async (messages: ChatMessage[]) =>
      (await collectGeneration(model.generate({ messages, maxNewTokens: 1, temperature: 0 }))).finish.promptTokens;
    const unlabelled = (count: number): ChatMessage[] => [
      {
        role: 'user',
        content: question,
        images: Array.from({ length: count }, () => ({
          bytes: new Uint8Array(purplePng),
          mediaType: 'image/png',
          label: '',
        })),
      },
    ];
    // one more picture adds its image tokens and the line break after them
    const added = (await promptTokens(unlabelled(2))) - (await promptTokens(unlabelled(1)));
    expect(model.promptTokensPerImage).toBeGreaterThan(0); // the tiny model: a few patch tokens
    expect(added).toBe(model.promptTokensPerImage);
    expect(model.slideTokenCount).toBeGreaterThan(0);
  });

  it('answers the same question differently for a hematoxylin and an eosin picture: the pixels reach the answer', async () => {
    const purple = await answer(model, asking(purplePng));
    const pink = await answer(model, asking(pinkPng));
    console.info(`[tiny VLM] hematoxylin picture: ${JSON.stringify(purple)}; eosin picture: ${JSON.stringify(pink)}`);
    expect(purple).toMatch(/purple/i);
    expect(purple).toMatch(/nuclei/i);
    expect(pink).toMatch(/pink/i);
    expect(pink).toMatch(/stroma/i);
    expect(purple).not.toMatch(/pink/i);
    expect(pink).not.toMatch(/purple/i);
  });

  it('takes several pictures in one request, each with its label', async () => {
    const both: ChatMessage[] = [
      {
        role: 'user',
        content: question,
        images: [
          { bytes: new Uint8Array(purplePng), mediaType: 'image/png', label: 'Evidence [1]:' },
          { bytes: new Uint8Array(purplePng), mediaType: 'image/png', label: 'Evidence [2]:' },
        ],
      },
    ];
    expect(await answer(model, both)).toMatch(/Purple nuclei/);
  });

  it('answers like the text model when no picture is given, and the text model answers when sent pictures', async () => {
    const plain = await answer(model, [{ role: 'user', content: question }]);
    expect(plain).toMatch(/region \[1\]/);
    const fromTextModel = await answer(textOnly, asking(purplePng));
    expect(fromTextModel).toBe(await answer(textOnly, [{ role: 'user', content: question }]));
  });

  it('reads the slide tokens alone (no picture, no text evidence): the patches decide the answer', async () => {
    const slideOf = async (colour: readonly number[]): Promise<SlideEmbeddingInput> => {
      const patches = await Promise.all(
        [1, 2, 3, 4, 5, 6].map(async (seed) => decodeImage(await stainPatchPng(colour, seed, 64))),
      );
      const embeddings = await encoder.embedImages(patches);
      const patchEmbeddings = new Float32Array(embeddings.length * encoder.embeddingDimension);
      embeddings.forEach((embedding, index) => patchEmbeddings.set(embedding, index * encoder.embeddingDimension));
      return {
        patchEmbeddings,
        dimension: encoder.embeddingDimension,
        encoderId: 'pathlens/tiny-clip',
        placeholder: '<slide>',
      };
    };
    const messages: ChatMessage[] = [{ role: 'user', content: 'What is on this slide?' }];
    const hematoxylinSlide = await answer(model, messages, await slideOf(stainColours.hematoxylin));
    const eosinSlide = await answer(model, messages, await slideOf(stainColours.eosin));
    console.info(
      `[tiny VLM] hematoxylin slide: ${JSON.stringify(hematoxylinSlide)}; eosin slide: ${JSON.stringify(eosinSlide)}`,
    );
    expect(hematoxylinSlide).toMatch(/hematoxylin/i);
    expect(eosinSlide).toMatch(/eosin/i);
    expect(hematoxylinSlide).not.toBe(eosinSlide);
  });

  it('refuses slide embeddings from another encoder, naming both', async () => {
    const slide: SlideEmbeddingInput = {
      patchEmbeddings: new Float32Array(768 * 2),
      dimension: 768,
      encoderId: 'other/encoder',
      placeholder: '<slide>',
    };
    await expect(answer(model, [{ role: 'user', content: 'What is on this slide?' }], slide)).rejects.toMatchObject({
      code: 'model_mismatch',
      message: expect.stringMatching(/pathlens\/tiny-clip.*other\/encoder/s),
    });
  });

  it('refuses a file that is not an image with a 400-class error', async () => {
    const broken: ChatMessage[] = [
      {
        role: 'user',
        content: question,
        images: [{ bytes: new Uint8Array([1, 2, 3, 4]), mediaType: 'image/png', label: '' }],
      },
    ];
    await expect(answer(model, broken)).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('pictures for an OpenAI-compatible upstream', () => {
  const message: ChatMessage = {
    role: 'user',
    content: 'What is this?',
    images: [{ bytes: new Uint8Array([137, 80, 78, 71]), mediaType: 'image/png', label: 'Evidence [1]:' }],
  };

  it('travel as labelled image_url data-URL parts when the upstream sees images', () => {
    expect(toUpstreamMessage(message, true)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Evidence [1]:' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==' } },
        { type: 'text', text: 'What is this?' },
      ],
    });
  });

  it('are left out (text only) when it does not', () => {
    expect(toUpstreamMessage(message, false)).toEqual({ role: 'user', content: 'What is this?' });
  });
});
