import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stainColours, stainPatchPng, writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { uploadAndIngest } from './chat-test-slides.ts';
import { startTestServer } from '../helpers/test-server.ts';

type TestServer = Awaited<ReturnType<typeof startTestServer>>;
type Final = Record<string, any>;

const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

/** Ask with one picture through the official client, streamed; the answer text and the last chunk's PathLens fields. */
async function askWithPicture(
  baseUrl: string,
  url: string,
  question = 'What does this picture show?',
): Promise<{ text: string; final: Final }> {
  const client = new OpenAI({ apiKey: 'test-key', baseURL: `${baseUrl}/v1`, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'pathlens',
    stream: true,
    max_tokens: 40,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: question },
          { type: 'image_url', image_url: { url, detail: 'auto' } },
        ],
      },
    ],
  });
  let text = '';
  let final: Final | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.choices[0]?.finish_reason) final = chunk as unknown as Final;
  }
  return { text, final: final! };
}

async function addLibraryPairs(baseUrl: string): Promise<void> {
  for (const [colour, caption, seed] of [
    [stainColours.hematoxylin, 'Sheets of lymphocytes with dark purple nuclei.', 1],
    [stainColours.eosin, 'Pink collagen-rich stroma.', 2],
  ] as const) {
    const body = JSON.stringify({ image: dataUrl(await stainPatchPng(colour, seed)), caption, source: 'test' });
    const response = await fetch(`${baseUrl}/v1/pairs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBeLessThan(300);
  }
}

describe('pictures in chat with the tiny vision-language model', () => {
  let vision: TestServer;
  let purple: string;
  let pink: string;

  beforeAll(async () => {
    vision = await startTestServer({ chatModel: 'pathlens/tiny-vlm' });
    await addLibraryPairs(vision.server.url);
    purple = dataUrl(await stainPatchPng(stainColours.hematoxylin, 11));
    pink = dataUrl(await stainPatchPng(stainColours.eosin, 12));
  });
  afterAll(async () => vision?.dispose());

  it('streams an answer that depends on the picture, with the picture and library captions as evidence, and stores the picture', async () => {
    const asked = await askWithPicture(vision.server.url, purple);
    expect(asked.text).toMatch(/Purple nuclei/);
    const image = asked.final.evidence.find((item: { kind: string }) => item.kind === 'image');
    expect(image).toMatchObject({ n: 1, imageNumber: 1, mediaType: 'image/png', shownToModel: true });
    expect(image.captions[0].caption).toBe('Sheets of lymphocytes with dark purple nuclei.');
    expect(
      asked.final.evidence.some(
        (item: { kind: string; caption?: string }) =>
          item.kind === 'pair' && item.caption === 'Sheets of lymphocytes with dark purple nuclei.',
      ),
    ).toBe(true);
    const findings = asked.final.evidence.filter(
      (item: { kind: string; imageNumber?: number }) => item.kind === 'finding' && item.imageNumber === 1,
    );
    expect(findings.length).toBeGreaterThan(0); // zero-shot findings read from the picture, not a slide
    const stored = await readdir(path.join(vision.dataDir, 'conversations', asked.final.conversation_id));
    expect(stored).toEqual([image.fileName]);

    const other = await askWithPicture(vision.server.url, pink);
    expect(other.text).toMatch(/Pink stroma/);
    expect(other.final.evidence.find((item: { kind: string }) => item.kind === 'image').captions[0].caption).toBe(
      'Pink collagen-rich stroma.',
    );
  });

  it('says in /v1/models that the chat model takes pictures and slide tokens', async () => {
    const models = (await (await fetch(`${vision.server.url}/v1/models`)).json()) as {
      data: Record<string, unknown>[];
    };
    expect(models.data[0]).toMatchObject({ id: 'pathlens/tiny-vlm', accepts_images: true, accepts_slide_tokens: true });
  });

  it('refuses an http image URL outside the allowlist with a 4xx naming the setting', async () => {
    const error = await askWithPicture(vision.server.url, 'http://images.example.org/field.png').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain('CHAT_IMAGE_URL_HOSTS');
  });

  it('answers bad pictures with clear 4xx errors and keeps serving', async () => {
    const post = (content: unknown[]) =>
      fetch(`${vision.server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content }] }),
      });
    const corrupt = await post([
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==' } },
    ]);
    expect(corrupt.status).toBe(400);
    expect(((await corrupt.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    const tooMany = await post([
      { type: 'text', text: 'Compare these.' },
      ...Array.from({ length: 5 }, () => ({ type: 'image_url', image_url: { url: purple } })),
    ]);
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { message: string } }).error.message).toContain('CHAT_MAX_IMAGES');
    const notImage = await post([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from('just text').toString('base64')}` } },
    ]);
    expect(notImage.status).toBe(400);
    expect((await askWithPicture(vision.server.url, purple)).text).toMatch(/Purple nuclei/); // still serving
  });

  describe('the same picture question with a text-only model and through an upstream vision server', () => {
    let textOnly: TestServer;
    let seeing: TestServer;

    beforeAll(async () => {
      [textOnly, seeing] = await Promise.all([
        startTestServer({ chatModel: 'pathlens/tiny-chat' }),
        startTestServer({
          chatProvider: 'openai-compatible',
          chatBaseUrl: `${vision.server.url}/v1`,
          chatUpstreamModel: 'pathlens/tiny-vlm',
          chatUpstreamSeesImages: 'true',
        }),
      ]);
      await Promise.all([addLibraryPairs(textOnly.server.url), addLibraryPairs(seeing.server.url)]);
    });
    afterAll(async () => Promise.all([textOnly?.dispose(), seeing?.dispose()]));

    it('runs the same slide chat with the local vision model and through the upstream one: evidence regions go to the model as pictures', async () => {
      const fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-vision-slide-'));
      try {
        const file = path.join(fixtureDir, 'two-stain.png');
        await writeTwoStainSlide(file, { widthPx: 896, heightPx: 448 });
        for (const server of [vision, seeing]) {
          const slideId = (await uploadAndIngest(server.server.url, file)).id as string;
          const client = new OpenAI({ apiKey: 'test-key', baseURL: `${server.server.url}/v1`, maxRetries: 0 });
          const completion = (await client.chat.completions.create({
            model: 'pathlens',
            max_tokens: 40,
            messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
            ...({ slide_id: slideId } as object),
          })) as unknown as Final;
          // Only pictures (or slide tokens) open the tiny VLM's answer this way; text evidence alone gives "The
          // highlighted region …".
          expect(completion.choices[0].message.content).toMatch(/^(Purple nuclei|Pink stroma|Hematoxylin-rich|Eosin)/);
          expect(
            completion.evidence.some(
              (item: { kind: string; slideId?: string }) => item.kind === 'patch' && item.slideId === slideId,
            ),
          ).toBe(true);
        }
      } finally {
        await rm(fixtureDir, { recursive: true, force: true });
      }
    });

    it('works on text evidence with the text-only model (the picture is still evidence, not shown to the model)', async () => {
      const asked = await askWithPicture(textOnly.server.url, pink);
      expect(asked.text.length).toBeGreaterThan(10);
      expect(asked.text).not.toMatch(/Pink stroma/);
      expect(asked.final.evidence[0]).toMatchObject({ kind: 'image', shownToModel: false });
    });

    it('sends the picture upstream as an image_url part when CHAT_UPSTREAM_SEES_IMAGES is on: the upstream answer follows the pixels', async () => {
      const asked = await askWithPicture(seeing.server.url, pink);
      expect(asked.final.model).toBe('pathlens/tiny-vlm');
      expect(asked.text).toMatch(/Pink stroma/);
      expect(asked.final.evidence[0]).toMatchObject({ kind: 'image', shownToModel: true });
      const models = (await (await fetch(`${seeing.server.url}/v1/models`)).json()) as {
        data: Record<string, unknown>[];
      };
      expect(models.data[0]).toMatchObject({
        provider: 'openai-compatible',
        accepts_images: true,
        accepts_slide_tokens: false,
      });
    });
  });
});
