import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';

describe('bad input gets a clear 4xx, stores nothing, and the server stays up', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let allowedDir: string;
  let outsideDir: string;

  beforeAll(async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'pathlens-bad-'));
    allowedDir = path.join(root, 'slides');
    outsideDir = path.join(root, 'private');
    await mkdir(allowedDir);
    await mkdir(outsideDir);
    await writeTwoStainSlide(path.join(outsideDir, 'secret.png'), { widthPx: 448, heightPx: 224 });
    await symlink(path.join(outsideDir, 'secret.png'), path.join(allowedDir, 'link-to-secret.png'));
    test = await startTestServer({ slideDirs: allowedDir });
    baseUrl = test.server.url;
  });
  afterAll(async () => {
    await test?.dispose();
    await rm(path.dirname(allowedDir), { recursive: true, force: true });
  });

  const errorOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string; message: string; type: string } }).error;
  const uploadBytes = (bytes: Uint8Array, name: string) => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), name);
    return fetch(`${baseUrl}/v1/slides`, { method: 'POST', body: form });
  };

  it('refuses a file that is not an image, whatever its extension', async () => {
    const response = await uploadBytes(new TextEncoder().encode('just some text, not a slide'), 'fake.svs');
    expect(response.status).toBe(415);
    const error = await errorOf(response);
    expect(error.code).toBe('unsupported_format');
    expect(error.type).toBe('invalid_request_error');
  });

  it('refuses a truncated TIFF as corrupt', async () => {
    const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x20, 0x00]);
    const response = await uploadBytes(header, 'truncated.tif');
    expect([415, 422]).toContain(response.status);
    expect(['corrupt_file', 'unsupported_format']).toContain((await errorOf(response)).code);
  });

  it('refuses paths outside SLIDE_DIRS, through .. or a symlink', async () => {
    for (const requested of [
      path.join(outsideDir, 'secret.png'),
      path.join(allowedDir, '..', 'private', 'secret.png'),
      path.join(allowedDir, 'link-to-secret.png'),
      '/etc/passwd',
    ]) {
      const response = await fetch(`${baseUrl}/v1/slides`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: requested }),
      });
      expect(response.status).toBe(403);
      const error = await errorOf(response);
      expect(error.code).toBe('path_not_allowed');
      expect(error.message).toContain('SLIDE_DIRS');
    }
  });

  it('answers 404 for an unknown slide, on its own and in a chat', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const response = await fetch(`${baseUrl}/v1/slides/${missing}`);
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe('slide_not_found');
    expect((await fetch(`${baseUrl}/v1/slides/not-a-uuid`)).status).toBe(404);

    const client = new OpenAI({ apiKey: 'test', baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const failure = await client.chat.completions
      .create({
        model: 'pathlens',
        messages: [{ role: 'user', content: 'hello' }],
        ...({ slide_id: missing } as object),
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
    expect((failure as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('slide_not_found');
  });

  it('answers 400 for malformed chat requests', async () => {
    const post = (body: string) =>
      fetch(`${baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    for (const body of [
      '{not json',
      '{}',
      JSON.stringify({ messages: [] }),
      JSON.stringify({ messages: [{ role: 'wizard', content: 'x' }] }),
      JSON.stringify({ messages: [{ role: 'user', content: 'x' }], temperature: 9 }),
    ]) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe('invalid_request');
      expect(error.message.length).toBeGreaterThan(10);
    }
    const wrongModel = await post(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
    expect(wrongModel.status).toBe(404);
    expect((await errorOf(wrongModel)).code).toBe('model_not_found');
  });

  it('answers 400 for k of 10 million, an empty query and a 1 MB query', async () => {
    for (const query of [{ q: 'nuclei', k: '10000000' }, { q: '' }, { q: 'x'.repeat(1_000_000) }] as Record<
      string,
      string
    >[]) {
      const response = await fetch(`${baseUrl}/v1/search?${new URLSearchParams(query)}`);
      expect([400, 414, 431]).toContain(response.status);
      if (response.status === 400) expect((await errorOf(response)).code).toBe('invalid_request');
    }
  });

  it('refuses a pair whose image is not an image', async () => {
    const image = `data:image/png;base64,${Buffer.from('not an image at all').toString('base64')}`;
    const response = await fetch(`${baseUrl}/v1/pairs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image, caption: 'x' }),
    });
    expect(response.status).toBe(415);
    expect((await errorOf(response)).code).toBe('unsupported_format');
  });

  it('stored nothing for any of it, and still answers', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const slides = (await (await fetch(`${baseUrl}/v1/slides`)).json()) as { data: unknown[] };
    expect(slides.data).toEqual([]);
    const hits = (await (await fetch(`${baseUrl}/v1/search?q=anything&kind=pair`)).json()) as { data: unknown[] };
    expect(hits.data).toEqual([]);
  });
});
