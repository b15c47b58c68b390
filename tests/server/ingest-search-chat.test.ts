import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDataFile } from '../helpers/shared-data.ts';
import { stainColours, stainPatchPng, writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';
import { uploadSlide } from './chat-test-slides.ts';

const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');

const upload = uploadSlide;

describe('ingest → search → chat over a real listening server', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let fixtureDir: string;
  let baseUrl: string;
  let twoStainSlideId: string;

  beforeAll(async () => {
    test = await startTestServer();
    baseUrl = test.server.url;
    fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-fixture-'));
  });
  afterAll(async () => {
    await test?.dispose();
    await rm(fixtureDir, { recursive: true, force: true });
  });

  it('answers health and readiness, and lists the demo models with a warning', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const ready = (await (await fetch(`${baseUrl}/readyz`)).json()) as Record<string, any>;
    expect(ready.status).toBe('ready');
    // The embedded store keeps exact patch search; a server has no patch index yet (no patches).
    expect(ready.database.patch_index).toMatchObject({
      status: ready.database.driver === 'pglite' ? 'exact' : 'absent',
      building: false,
    });
    const models = (await (await fetch(`${baseUrl}/v1/models`)).json()) as Record<string, any>;
    expect(models.data.map((model: { id: string }) => model.id)).toEqual(['pathlens/tiny-chat', 'pathlens/tiny-clip']);
    expect(models.data[0].demo).toBe(true);
    expect(models.demo_warning).toMatch(/DEMO MODELS/);
  });

  it('ingests an uploaded two-stain slide; a second upload of the same bytes is a no-op', async () => {
    const filePath = path.join(fixtureDir, 'two-stain.png');
    await writeTwoStainSlide(filePath);
    // A PNG has no MPP: tiled at level 0 by choice.
    const response = await upload(baseUrl, filePath, {
      tile_at_level0: 'true',
      metadata: JSON.stringify({ stain: 'H&E' }),
    });
    expect(response.status).toBe(202);
    const queued = (await response.json()) as Record<string, any>;
    expect(queued.status).toMatch(/queued|running/);
    const slide = await waitForSlide(baseUrl, queued.id);
    expect(slide).toMatchObject({
      status: 'ready',
      width_px: 1792,
      height_px: 672,
      patch_count: 24,
      patch_size_level0_px: 224,
      mpp_source: 'none',
      target_mpp: null,
      metadata: { stain: 'H&E' },
    });
    expect(slide.progress.fraction).toBe(1);
    twoStainSlideId = slide.id;

    const again = await upload(baseUrl, filePath);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: slide.id, duplicate: true });
  });

  it('ranks the right half first for the right stain words (the tiny CLIP’s designed signal)', async () => {
    const search = async (q: string) => {
      const response = await fetch(
        `${baseUrl}/v1/search?${new URLSearchParams({ q, k: '8', kind: 'patch', slide_id: twoStainSlideId })}`,
      );
      expect(response.status).toBe(200);
      return ((await response.json()) as { data: { x_level0: number; score: number }[] }).data;
    };
    const purple = await search('purple hematoxylin nuclei');
    const pink = await search('pink eosin stroma');
    expect(purple).toHaveLength(8);
    expect(purple.every((hit) => hit.x_level0 < 896)).toBe(true);
    expect(pink.every((hit) => hit.x_level0 >= 896)).toBe(true);
    expect(purple[0]!.score).toBeGreaterThan(pink.at(-1)!.score - 1); // scores are cosine similarities
    expect(purple[0]!.score).toBeLessThanOrEqual(1);
  });

  it('adds library pairs and finds them by text', async () => {
    const add = async (colour: readonly number[], caption: string, seed: number) => {
      const image = `data:image/png;base64,${(await stainPatchPng(colour, seed)).toString('base64')}`;
      const response = await fetch(`${baseUrl}/v1/pairs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image, caption, source: 'test' }),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { id: string };
    };
    const purplePair = await add(stainColours.hematoxylin, 'Sheets of lymphocytes with dark purple nuclei.', 1);
    await add(stainColours.eosin, 'Pink collagen-rich stroma.', 2);
    const response = await fetch(
      `${baseUrl}/v1/search?${new URLSearchParams({ q: 'purple nuclei', k: '3', kind: 'pair' })}`,
    );
    const { data } = (await response.json()) as { data: { id: string; kind: string; caption: string }[] };
    expect(data[0]).toMatchObject({
      id: purplePair.id,
      kind: 'pair',
      caption: 'Sheets of lymphocytes with dark purple nuclei.',
    });
  });

  it('streams a grounded chat about the slide with the official OpenAI client, citing stored evidence', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: `${baseUrl}/v1` });
    const stream = await client.chat.completions.create({
      model: 'pathlens/tiny-chat',
      stream: true,
      max_tokens: 60,
      messages: [{ role: 'user', content: 'Where are the purple nuclei on this slide?' }],
      ...({ slide_id: twoStainSlideId } as object),
    });
    const contents: string[] = [];
    let final: Record<string, any> | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) contents.push(delta);
      if (chunk.choices[0]?.finish_reason) final = chunk as unknown as Record<string, any>;
    }
    expect(contents.length).toBeGreaterThan(3); // token by token, not one blob
    const answer = contents.join('');
    expect(final).toBeDefined();
    expect(final!.evidence.length).toBeGreaterThan(0);
    const patchEvidence = final!.evidence.filter((item: { kind: string }) => item.kind === 'patch');
    expect(patchEvidence.length).toBeGreaterThan(0);
    expect(patchEvidence[0].slideId).toBe(twoStainSlideId);
    expect(patchEvidence[0].xLevel0).toBeLessThan(896); // the question's words pick the purple half
    expect(final!.warnings[0]).toMatch(/DEMO MODELS/);

    // Every [n] in the answer is checked against the evidence list; supported ones point to stored rows.
    const cited = [...answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
    expect(final!.citations.map((citation: { n: number }) => citation.n)).toEqual([...new Set(cited)]);
    const supported = final!.citations.filter((citation: { supported: boolean }) => citation.supported);
    for (const citation of supported)
      expect(final!.evidence.some((item: { id: string }) => item.id === citation.id)).toBe(true);

    const conversation = (await (
      await fetch(`${baseUrl}/v1/conversations/${final!.conversation_id}`)
    ).json()) as Record<string, any>;
    expect(conversation.slide_id).toBe(twoStainSlideId);
    expect(conversation.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect(conversation.messages[1].content).toBe(answer);
    expect(conversation.messages[1].evidence).toEqual(final!.evidence);
  });

  it('answers a non-streamed chat in the chat.completion shape, and continues the conversation', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: `${baseUrl}/v1` });
    const first = (await client.chat.completions.create({
      model: 'pathlens',
      max_tokens: 30,
      messages: [{ role: 'user', content: 'Is there pink stroma?' }],
      ...({ slide_id: twoStainSlideId } as object),
    })) as unknown as Record<string, any>;
    expect(first.object).toBe('chat.completion');
    expect(first.choices[0].message.role).toBe('assistant');
    expect(first.usage.completion_tokens).toBeGreaterThan(0);
    const followUp = (await client.chat.completions.create({
      model: 'pathlens',
      max_tokens: 20,
      messages: [
        { role: 'user', content: 'Is there pink stroma?' },
        { role: 'assistant', content: first.choices[0].message.content },
        { role: 'user', content: 'And purple nuclei?' },
      ],
      ...({ slide_id: twoStainSlideId, conversation_id: first.conversation_id } as object),
    })) as unknown as Record<string, any>;
    expect(followUp.conversation_id).toBe(first.conversation_id);
    const conversation = (await (await fetch(`${baseUrl}/v1/conversations/${first.conversation_id}`)).json()) as Record<
      string,
      any
    >;
    expect(conversation.messages.map((message: { content: string }) => message.content).slice(2, 3)).toEqual([
      'And purple nuclei?',
    ]);
    expect(conversation.messages).toHaveLength(4);
  });

  describe.skipIf(!realSvs)('the real Aperio SVS (CMU-1-Small-Region)', () => {
    it('ingests to ready with its real MPP, skipping the white background', async () => {
      const response = await upload(baseUrl, realSvs!);
      expect(response.status).toBe(202);
      const slide = await waitForSlide(baseUrl, ((await response.json()) as { id: string }).id, 300_000);
      expect(slide.status).toBe('ready');
      expect(slide.format).toBe('aperio-svs');
      expect(slide.width_px).toBe(2220);
      expect(slide.height_px).toBe(2967);
      expect(slide.mpp_x).toBeCloseTo(0.499, 3);
      expect(slide).toMatchObject({
        mpp_source: 'scanner_metadata',
        warnings: [],
        target_mpp: 0.5,
        patch_size_level0_px: 224,
      }); // round(224 × 0.5 / 0.499)
      const tilesTotal = Math.floor(2220 / 224) * Math.floor(2967 / 224);
      expect(slide.progress.tiles_total).toBeGreaterThanOrEqual(tilesTotal);
      expect(slide.patch_count).toBeGreaterThan(10);
      expect(slide.patch_count).toBeLessThan(slide.progress.tiles_total); // background skipped

      const search = await fetch(
        `${baseUrl}/v1/search?${new URLSearchParams({ q: 'purple nuclei', k: '5', kind: 'patch', slide_id: slide.id })}`,
      );
      const hits = ((await search.json()) as { data: { x_level0: number; y_level0: number }[] }).data;
      expect(hits).toHaveLength(5);
      for (const hit of hits) {
        expect(hit.x_level0 % 224).toBe(0);
        expect(hit.x_level0 + 224).toBeLessThanOrEqual(2220 + 224);
        expect(hit.y_level0).toBeLessThan(2967);
      }
    }, 300_000);
  });
});
