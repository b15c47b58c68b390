import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ClipImageEncoder,
  ClipTextEncoder,
  decodeImage,
  WorkerThreadImageEncoder,
  WorkerThreadTextEncoder,
  type ImageEncoder,
  type RgbPixels,
} from '@pathlens/encoders';
import { stainColours, stainPatchPng } from '../helpers/stain-fixtures.ts';

/** How many times a 1 ms interval fires on this thread while `work` runs. */
async function intervalTicksDuring<Result>(work: () => Promise<Result>): Promise<{ ticks: number; result: Result }> {
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 1);
  try {
    const result = await work();
    return { ticks, result };
  } finally {
    clearInterval(timer);
  }
}

/** 128 textured 224² patches: tens of MB of pixels to normalise and encode, whatever the model. */
function largeBatch(): RgbPixels[] {
  return Array.from({ length: 128 }, (_, index) => {
    const data = new Uint8Array(224 * 224 * 3);
    for (let offset = 0; offset < data.length; offset++) data[offset] = (offset * 7 + index * 13) % 256;
    return { data, widthPx: 224, heightPx: 224 };
  });
}

describe('CLIP encoders in a worker thread (tiny generated model)', () => {
  const options = () => ({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' });
  let threadImage: WorkerThreadImageEncoder;
  let threadText: WorkerThreadTextEncoder;
  let inProcessImage: ClipImageEncoder;
  let inProcessText: ClipTextEncoder;
  beforeAll(async () => {
    [threadImage, threadText, inProcessImage, inProcessText] = await Promise.all([
      WorkerThreadImageEncoder.load(options()),
      WorkerThreadTextEncoder.load(options()),
      ClipImageEncoder.load(options()),
      ClipTextEncoder.load(options()),
    ]);
  });
  afterAll(async () => {
    await Promise.all([
      threadImage?.dispose(),
      threadText?.dispose(),
      inProcessImage?.dispose(),
      inProcessText?.dispose(),
    ]);
  });

  it('declares the same limits and gives the same embeddings as the in-process encoders', async () => {
    expect({ ...limitsOf(threadImage), maxTokens: threadText.maxTokens }).toEqual({
      ...limitsOf(inProcessImage),
      maxTokens: inProcessText.maxTokens,
    });
    const purple = await decodeImage(await stainPatchPng(stainColours.hematoxylin, 1, 300)); // resized in the thread
    const pink = await decodeImage(await stainPatchPng(stainColours.eosin, 2));
    const [fromThread, inProcess] = await Promise.all([
      threadImage.embedImages([purple, pink]),
      inProcessImage.embedImages([purple, pink]),
    ]);
    expect(fromThread).toHaveLength(2);
    for (const [row, embedding] of fromThread.entries()) {
      expect(embedding).toHaveLength(512);
      for (let index = 0; index < 512; index += 32) expect(embedding[index]).toBeCloseTo(inProcess[row]![index]!, 6);
    }
    const texts = ['purple nuclei', 'pink eosin stroma'];
    const [textsFromThread, textsInProcess] = await Promise.all([
      threadText.embedTexts(texts),
      inProcessText.embedTexts(texts),
    ]);
    for (const [row, embedding] of textsFromThread.entries()) {
      for (let index = 0; index < 512; index += 32)
        expect(embedding[index]).toBeCloseTo(textsInProcess[row]![index]!, 6);
    }
  });

  it("leaves the caller's pixel buffers usable (they are copied, not transferred)", async () => {
    const images = largeBatch().slice(0, 3);
    const [first] = await threadImage.embedImages(images);
    expect(first).toHaveLength(512);
    expect(images[2]!.data.byteLength).toBe(224 * 224 * 3);
    expect(images[2]!.data[1]).toBe((7 + 2 * 13) % 256);
  });

  it("keeps this thread's event loop turning while a large batch encodes, unlike the in-process encoder", async () => {
    const images = largeBatch();
    const inThread = await intervalTicksDuring(() => threadImage.embedImages(images));
    const inProcess = await intervalTicksDuring(() => inProcessImage.embedImages(images));
    expect(inThread.result).toHaveLength(128);
    expect(inProcess.result).toHaveLength(128);
    // In process, ONNX Runtime (and the normalising loop) hold the event loop for the whole batch; timers get a turn or
    // two.
    expect(inThread.ticks).toBeGreaterThanOrEqual(10);
    expect(inThread.ticks).toBeGreaterThan(inProcess.ticks + 5);
  });

  it('runs calls in order and one at a time, each with its own result', async () => {
    const purple = await decodeImage(await stainPatchPng(stainColours.hematoxylin, 5));
    const pink = await decodeImage(await stainPatchPng(stainColours.eosin, 6));
    const [a, b, c] = await Promise.all([
      threadImage.embedImages([purple]),
      threadImage.embedImages([pink]),
      threadImage.embedImages([]),
    ]);
    const [expectedPurple, expectedPink] = await inProcessImage.embedImages([purple, pink]);
    expect(a![0]![0]).toBeCloseTo(expectedPurple![0]!, 6);
    expect(b![0]![0]).toBeCloseTo(expectedPink![0]!, 6);
    expect(c).toEqual([]);
  });

  it('fails to load as the in-process encoder does, naming the missing file', async () => {
    const missing = { modelsDir: inject('modelsDir'), modelId: 'pathlens/not-a-model' };
    const inProcess = await ClipImageEncoder.load(missing).catch((error: Error) => error);
    const inThread = await WorkerThreadImageEncoder.load(missing).catch((error: Error) => error);
    expect(inThread).toBeInstanceOf(Error);
    expect((inThread as Error).message).toBe((inProcess as Error).message);
    expect((inThread as Error).message).toMatch(/not-a-model/);
  });

  it('after dispose, ends the thread and refuses further calls with a clear error', async () => {
    const encoder = await WorkerThreadImageEncoder.load(options());
    const pending = encoder.embedImages(largeBatch().slice(0, 2)); // sent before dispose: still answered
    await encoder.dispose();
    expect(await pending).toHaveLength(2);
    await expect(encoder.embedImages(largeBatch().slice(0, 1))).rejects.toMatchObject({
      code: 'internal_error',
      message: expect.stringMatching(/disposed/),
    });
  });
});

function limitsOf(encoder: ImageEncoder) {
  return {
    modelId: encoder.modelId,
    embeddingDimension: encoder.embeddingDimension,
    inputSizePx: encoder.inputSizePx,
    maxBatchSize: encoder.maxBatchSize,
  };
}
