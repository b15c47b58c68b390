import { describe, expect, inject, it } from 'vitest';
import { threadBudget } from '@pathlens/core';
import { ClipImageEncoder, ClipTextEncoder, clipSessionOptions, decodeImage } from '@pathlens/encoders';
import { stainColours, stainPatchPng } from '../helpers/stain-fixtures.ts';

describe('ONNX Runtime low-memory session settings', () => {
  it('are off by default and on request, always with an explicit thread count', () => {
    const threads = { intraOpNumThreads: threadBudget().onnxIntraOpThreads, interOpNumThreads: 1 };
    expect(clipSessionOptions({ lowMemory: true })).toEqual({
      ...threads,
      enableCpuMemArena: false,
      extra: { session: { disable_prepacking: '1' } },
    });
    expect(clipSessionOptions({})).toEqual(threads);
    expect(clipSessionOptions({ lowMemory: false })).toEqual(threads);
    expect(clipSessionOptions({ lowMemory: false, onnxThreads: 3 })).toEqual({
      intraOpNumThreads: 3,
      interOpNumThreads: 1,
    });
  });

  it('are accepted by ONNX Runtime and change no embedding', async () => {
    const base = { modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' };
    const [lowImage, stockImage, lowText, stockText] = await Promise.all([
      ClipImageEncoder.load({ ...base, lowMemory: true }),
      ClipImageEncoder.load({ ...base, lowMemory: false }),
      ClipTextEncoder.load({ ...base, lowMemory: true }),
      ClipTextEncoder.load({ ...base, lowMemory: false }),
    ]);
    try {
      const pink = await decodeImage(await stainPatchPng(stainColours.eosin, 9));
      const [[low], [stock]] = await Promise.all([lowImage.embedImages([pink]), stockImage.embedImages([pink])]);
      const [[lowWords], [stockWords]] = await Promise.all([
        lowText.embedTexts(['pink stroma']),
        stockText.embedTexts(['pink stroma']),
      ]);
      for (let index = 0; index < 512; index += 16) {
        expect(low![index]).toBeCloseTo(stock![index]!, 6);
        expect(lowWords![index]).toBeCloseTo(stockWords![index]!, 6);
      }
    } finally {
      await Promise.all([lowImage.dispose(), stockImage.dispose(), lowText.dispose(), stockText.dispose()]);
    }
  });
});
