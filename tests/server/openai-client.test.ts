import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '@pathlens/server';
import { stainColours, stainPatchPng, writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { uploadAndIngest } from './chat-test-slides.ts';

type Extended = Record<string, any>;

describe('OpenAI compatibility, proved with the official openai client', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let runtime: Runtime;
  let client: OpenAI;
  let slideId: string;
  let fixtureDir: string;
  const library: Record<string, string> = {};

  beforeAll(async () => {
    test = await startTestServer({ chatQueueSize: 0 });
    baseUrl = test.server.url;
    runtime = test.server.holder.runtime!;
    client = new OpenAI({ apiKey: 'test-key', baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-openai-'));
    const file = path.join(fixtureDir, 'two-stain.png');
    await writeTwoStainSlide(file, { widthPx: 896, heightPx: 448 });
    slideId = (await uploadAndIngest(baseUrl, file, { metadata: { organ: 'colon', stain: 'H&E' } })).id;
    for (const [colour, caption, seed] of [
      [stainColours.hematoxylin, 'Sheets of lymphocytes with dark purple nuclei.', 1],
      [stainColours.eosin, 'Pink collagen-rich stroma.', 2],
    ] as const) {
      const image = `data:image/png;base64,${(await stainPatchPng(colour, seed)).toString('base64')}`;
      const response = await fetch(`${baseUrl}/v1/pairs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image, caption, source: 'test' }),
      });
      library[((await response.json()) as { id: string }).id] = caption;
    }
  });
  afterAll(async () => {
    await test?.dispose();
    await rm(fixtureDir, { recursive: true, force: true });
  });

  it('chats about a slide, not streamed, with evidence that leads to real patches and library captions', async () => {
    const completion = (await client.chat.completions.create({
      model: 'pathlens',
      max_tokens: 40,
      messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
      ...({ slide_id: slideId } as object),
    })) as unknown as Extended;
    expect(completion.object).toBe('chat.completion');
    const content: string = completion.choices[0].message.content;
    expect(content).toMatch(/\[\d+\]/);
    expect(content).toContain('Draft for review by a pathologist, not a diagnosis.');
    expect(completion.answer_supported).toBe(true);
    expect(completion.citations.length).toBeGreaterThan(0);
    expect(completion.citations.every((citation: { supported: boolean }) => citation.supported)).toBe(true);

    const evidence: Extended[] = completion.evidence;
    expect(evidence.map((item) => item.n)).toEqual(evidence.map((_, index) => index + 1));
    const patch = evidence.find((item) => item.kind === 'patch')!;
    expect(patch.slideId).toBe(slideId);
    expect(patch.xLevel0).toBeLessThan(448); // the purple half
    // The thumbnail is the patch itself: a 224 px crop of the slide, purple.
    const crop = await fetch(`${baseUrl}${patch.thumbnailUrl}`);
    expect(crop.status).toBe(200);
    expect(crop.headers.get('content-type')).toBe('image/jpeg');
    const jpeg = Buffer.from(await crop.arrayBuffer());
    const { width, height } = await sharp(jpeg).metadata();
    const { channels } = await sharp(jpeg).stats();
    expect([width, height]).toEqual([224, 224]);
    expect(channels[2]!.mean).toBeGreaterThan(channels[1]!.mean + 40); // blue over green: hematoxylin purple
    // Each region carries its nearest library captions, and library evidence is the real pairs.
    expect(patch.captions.map((caption: { pairId: string; caption: string }) => library[caption.pairId])).toEqual(
      patch.captions.map((caption: { caption: string }) => caption.caption),
    );
    const pair = evidence.find((item) => item.kind === 'pair' && item.matchedBy === 'image')!;
    expect(pair.caption).toBe('Sheets of lymphocytes with dark purple nuclei.');
    // A cited library entry shows its own picture: the purple patch it was added with.
    const picture = await fetch(`${baseUrl}${pair.thumbnailUrl}`);
    expect(picture.headers.get('content-type')).toBe('image/png');
    const pictureStats = await sharp(Buffer.from(await picture.arrayBuffer())).stats();
    expect(pictureStats.channels[2]!.mean).toBeGreaterThan(pictureStats.channels[1]!.mean + 40);
    expect(evidence.find((item) => item.kind === 'slide-facts')).toMatchObject({
      organ: 'colon',
      stain: 'H&E',
      mppX: 0.5,
    });
    expect(evidence.some((item) => item.kind === 'finding' && item.labelSetId === 'crc-tissue-types')).toBe(true);

    const conversation = (await (
      await fetch(`${baseUrl}/v1/conversations/${completion.conversation_id}`)
    ).json()) as Extended;
    expect(conversation.messages.at(-1)).toMatchObject({ role: 'assistant', content, evidence });
  });

  it('streams the same chat token by token; the last chunk carries the evidence, then the usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'pathlens/tiny-chat',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 40,
      messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
      ...({ slide_id: slideId } as object),
    });
    const deltas: string[] = [];
    let final: Extended | undefined;
    let usage: Extended | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) deltas.push(delta);
      if (chunk.choices[0]?.finish_reason) final = chunk as unknown as Extended;
      if (chunk.usage) usage = chunk.usage as unknown as Extended;
    }
    expect(deltas.length).toBeGreaterThan(3);
    expect(final!.evidence.length).toBeGreaterThan(0);
    expect(final!.citations.map((citation: { n: number }) => citation.n)).toEqual([
      ...new Set([...deltas.join('').matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]))),
    ]);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
  });

  it('keeps writing to min_tokens (vLLM’s extension) where the model alone stops sooner', async () => {
    const ask = async (extra: object) =>
      (await client.chat.completions.create({
        model: 'pathlens',
        max_tokens: 60,
        messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
        ...({ slide_id: slideId, ...extra } as object),
      })) as unknown as Extended;
    const own = await ask({});
    expect(own.usage.completion_tokens).toBeLessThan(60); // the tiny model ends its answer early
    const longer = await ask({ min_tokens: 60 });
    expect(longer.usage.completion_tokens).toBe(60);
    expect(longer.choices[0].finish_reason).toBe('length');
  });

  it('says the evidence does not support an answer instead of guessing', async () => {
    const completion = (await client.chat.completions.create({
      model: 'pathlens',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      ...({ slide_id: slideId } as object),
    })) as unknown as Extended;
    expect(completion.answer_supported).toBe(false);
    expect(completion.choices[0].message.content).toMatch(/^The available evidence does not support an answer/);
    expect(completion.usage.completion_tokens).toBe(0);
  });

  it('raises the client’s typed errors: 404 for an unknown slide or model, 400 for a bad request, 429 with retry-after for a full queue', async () => {
    const ask = (
      extra: object,
      messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Purple nuclei?' }],
    ) =>
      client.chat.completions.create({ model: 'pathlens', messages, ...extra }).then(
        () => null,
        (error: unknown) => error,
      );

    const unknownSlide = await ask({ slide_id: '00000000-0000-4000-8000-000000000000' });
    expect(unknownSlide).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknownSlide as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('slide_not_found');

    const unknownModel = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(unknownModel).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknownModel as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');

    for (const bad of [
      await ask({ slide_id: 'not-a-uuid' }),
      await ask({}, []),
      await ask({ temperature: 9 }),
      await ask({ min_tokens: 50, max_tokens: 10 }),
      await ask({}, [{ role: 'assistant', content: 'no question' }]),
    ]) {
      expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
      expect((bad as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_request');
      expect((bad as InstanceType<typeof OpenAI.APIError>).message.length).toBeGreaterThan(20);
    }

    const busy = runtime.languageModel.queue.join(); // CHAT_QUEUE_SIZE=0: nobody may wait
    try {
      const full = await ask({ slide_id: slideId });
      expect(full).toBeInstanceOf(OpenAI.RateLimitError);
      const rateLimited = full as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rateLimited.code).toBe('queue_full');
      expect(Number(rateLimited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const streamed = await client.chat.completions
        .create({ model: 'pathlens', stream: true, messages: [{ role: 'user', content: 'Purple nuclei?' }] })
        .catch((error: unknown) => error);
      expect(streamed).toBeInstanceOf(OpenAI.RateLimitError);
    } finally {
      busy.leave();
    }
  });

  it('lists the models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model as unknown as Extended);
    expect(models.map((model) => model.id)).toEqual(['pathlens/tiny-chat', 'pathlens/tiny-clip']);
    expect(models[0]).toMatchObject({
      object: 'model',
      task: 'chat',
      provider: 'local',
      demo: true,
      queue: { concurrency: 1, max_waiting: 0 },
    });
  });

  it('embeds text through the CLIP text encoder, as floats or base64, in OpenAI’s shape', async () => {
    const input = ['purple hematoxylin nuclei', 'pink eosin stroma'];
    // the client asks for base64 and decodes it
    const asBase64 = await client.embeddings.create({ model: 'pathlens/tiny-clip', input });
    const asFloat = await client.embeddings.create({ model: 'pathlens', input, encoding_format: 'float' });
    expect(asFloat.object).toBe('list');
    expect(asFloat.model).toBe('pathlens/tiny-clip');
    expect(asFloat.data.map((entry) => [entry.object, entry.index, entry.embedding.length])).toEqual([
      ['embedding', 0, 512],
      ['embedding', 1, 512],
    ]);
    const expected = await runtime.textEncoder.embedTexts(input);
    asFloat.data.forEach((entry, index) => {
      entry.embedding.forEach((value, dimension) => expect(value).toBeCloseTo(expected[index]![dimension]!, 6));
      asBase64.data[index]!.embedding.forEach((value, dimension) =>
        expect(value).toBeCloseTo(entry.embedding[dimension]!, 6),
      );
      expect(Math.hypot(...entry.embedding)).toBeCloseTo(1, 5);
    });
    expect(asFloat.usage.prompt_tokens).toBeGreaterThan(0);

    const single = await client.embeddings.create({
      model: 'pathlens',
      input: 'purple nuclei',
      encoding_format: 'float',
    });
    expect(single.data).toHaveLength(1);
    for (const bad of [{ input: [] }, { input: '' }, { input: [1, 2, 3] }, { input: 'x', dimensions: 256 }]) {
      const error = await client.embeddings
        .create({ model: 'pathlens', ...(bad as { input: string }) })
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    }
  });
});
