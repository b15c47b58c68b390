import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PathLensError } from '@pathlens/core';
import {
  loadLanguageModel,
  TransformersLanguageModel,
  WorkerThreadLanguageModel,
  type GenerationEvent,
  type LanguageModel,
} from '@pathlens/language-model';
import { collectGeneration } from '../helpers/collect-generation.ts';

const messages = [{ role: 'user' as const, content: 'What does region [1] show?' }];

describe('the local language model in a worker thread', () => {
  let threaded: LanguageModel;
  let inProcess: TransformersLanguageModel;
  beforeAll(async () => {
    const settings = {
      provider: 'local' as const,
      modelsDir: inject('modelsDir'),
      modelId: 'pathlens/tiny-chat',
      demo: true,
      queueSize: 1,
    };
    [threaded, inProcess] = await Promise.all([
      loadLanguageModel({ ...settings, thread: 'worker' }),
      TransformersLanguageModel.load({ modelsDir: settings.modelsDir, modelId: settings.modelId, demo: true }),
    ]);
  }, 180_000);
  afterAll(async () => Promise.all([threaded?.dispose(), inProcess?.dispose()]));

  it('declares what the model declares and writes the same greedy text, streamed in pieces', async () => {
    expect(threaded).toBeInstanceOf(WorkerThreadLanguageModel);
    expect({
      id: threaded.modelId,
      provider: threaded.provider,
      demo: threaded.demo,
      context: threaded.contextLengthTokens,
    }).toEqual({
      id: inProcess.modelId,
      provider: 'local',
      demo: true,
      context: inProcess.contextLengthTokens,
    });
    expect(threaded.countTokens('purple nuclei in stroma')).toBe(inProcess.countTokens('purple nuclei in stroma'));
    const [there, here] = [
      await collectGeneration(threaded.generate({ messages, maxNewTokens: 30, temperature: 0 })),
      await collectGeneration(inProcess.generate({ messages, maxNewTokens: 30, temperature: 0 })),
    ];
    expect(there.text).toBe(here.text);
    expect(there.texts.length).toBeGreaterThan(3);
    expect(there.finish).toEqual(here.finish);
  }, 180_000);

  it('stops the thread’s generation when the signal aborts, and when the reader stops early', async () => {
    const abort = new AbortController();
    let pieces = 0;
    let finish: GenerationEvent | undefined;
    for await (const event of threaded.generate({
      messages,
      maxNewTokens: 200,
      minNewTokens: 200, // the tiny model may end its answer sooner: the abort must land mid-generation
      temperature: 0.8,
      signal: abort.signal,
    })) {
      if (event.type === 'text' && ++pieces === 2) abort.abort();
      if (event.type === 'finish') finish = event;
    }
    expect(finish).toMatchObject({ finishReason: 'cancelled' });
    expect((finish as { completionTokens: number }).completionTokens).toBeLessThan(200);

    for await (const event of threaded.generate({ messages, maxNewTokens: 200, temperature: 0.8 }))
      if (event.type === 'text') break;
    // The thread is free again: the next generation runs to its end.
    expect(
      (await collectGeneration(threaded.generate({ messages, maxNewTokens: 5, temperature: 0 }))).finish
        .completionTokens,
    ).toBeGreaterThan(0);
  }, 180_000);

  it('keeps the queue on this side: one running, one waiting, the next refused with queue_full', async () => {
    const running = collectGeneration(threaded.generate({ messages, maxNewTokens: 20, temperature: 0 }));
    const waiting = collectGeneration(threaded.generate({ messages, maxNewTokens: 20, temperature: 0 }));
    const refused = await collectGeneration(threaded.generate({ messages, maxNewTokens: 20, temperature: 0 })).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(PathLensError);
    expect((refused as PathLensError).code).toBe('queue_full');
    const [first, second] = await Promise.all([running, waiting]);
    expect(second.text).toBe(first.text);
  }, 180_000);

  it('throws a load failure with its code, and refuses to generate once disposed', async () => {
    const missing = await loadLanguageModel({
      provider: 'local',
      modelsDir: inject('modelsDir'),
      modelId: 'pathlens/no-such-model',
      demo: true,
      queueSize: 1,
      thread: 'worker',
    }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Error);
    expect((missing as Error).message).toMatch(/no-such-model/);

    const extra = await loadLanguageModel({
      provider: 'local',
      modelsDir: inject('modelsDir'),
      modelId: 'pathlens/tiny-chat',
      demo: true,
      queueSize: 1,
      thread: 'worker',
    });
    await extra.dispose();
    await expect(collectGeneration(extra.generate({ messages, maxNewTokens: 5, temperature: 0 }))).rejects.toThrow(
      /disposed/,
    );
  }, 180_000);
});
