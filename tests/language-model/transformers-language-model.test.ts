import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { collectGeneration } from '../helpers/collect-generation.ts';
import { TransformersLanguageModel, type GenerationEvent } from '@pathlens/language-model';

const collect = collectGeneration;

describe('TransformersLanguageModel on the tiny generated chat model', () => {
  let model: TransformersLanguageModel;
  beforeAll(async () => {
    model = await TransformersLanguageModel.load({
      modelsDir: inject('modelsDir'),
      modelId: 'pathlens/tiny-chat',
      demo: true,
    });
  });
  afterAll(async () => model?.dispose());

  const messages = [{ role: 'user' as const, content: 'What does region [1] show?' }];

  it('streams text in several pieces and reports token counts', async () => {
    const { texts, text, finish } = await collect(model.generate({ messages, maxNewTokens: 40, temperature: 0 }));
    expect(texts.length).toBeGreaterThan(3);
    expect(text.trim().length).toBeGreaterThan(10);
    expect(finish.promptTokens).toBeGreaterThan(5);
    expect(finish.completionTokens).toBeGreaterThan(3);
    expect(finish.completionTokens).toBeLessThanOrEqual(40);
    expect(['stop', 'length']).toContain(finish.finishReason);
  });

  it('is deterministic when greedy', async () => {
    const first = await collect(model.generate({ messages, maxNewTokens: 20, temperature: 0 }));
    const second = await collect(model.generate({ messages, maxNewTokens: 20, temperature: 0 }));
    expect(second.text).toBe(first.text);
  });

  it('stops when the signal aborts (a client that disconnects)', async () => {
    const abort = new AbortController();
    let pieces = 0;
    let finish: GenerationEvent | undefined;
    // min 200 tokens: a sampled answer may otherwise end on its own before the abort lands
    const request = { messages, maxNewTokens: 200, minNewTokens: 200, temperature: 0.8, signal: abort.signal };
    for await (const event of model.generate(request)) {
      if (event.type === 'text' && ++pieces === 2) abort.abort();
      if (event.type === 'finish') finish = event;
    }
    expect(finish).toMatchObject({ type: 'finish', finishReason: 'cancelled' });
    expect((finish as { completionTokens: number }).completionTokens).toBeLessThan(200);
  });

  it('serves concurrent requests one at a time, in order, without mixing their streams', async () => {
    const results = await Promise.all(
      [0, 1, 2].map(() => collect(model.generate({ messages, maxNewTokens: 15, temperature: 0 }))),
    );
    expect(new Set(results.map((result) => result.text)).size).toBe(1);
  });

  it('counts tokens with its own tokenizer', () => {
    expect(model.countTokens('purple nuclei')).toBeGreaterThan(0);
    expect(model.countTokens('purple nuclei '.repeat(10))).toBeGreaterThan(model.countTokens('purple nuclei'));
  });
});
