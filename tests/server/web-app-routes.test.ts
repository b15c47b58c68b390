import { mkdtemp, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, silentLogger } from '@pathlens/core';
import { accessSettings, createApp } from '@pathlens/server';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';

describe('what the web app needs from the server', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let fixtureDir: string;
  let slideId: string;
  const getJson = async (route: string) => {
    const response = await fetch(`${baseUrl}${route}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    test = await startTestServer();
    baseUrl = test.server.url;
    fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-web-routes-'));
    const filePath = path.join(fixtureDir, 'two-stain.png');
    await writeTwoStainSlide(filePath);
    const form = new FormData();
    form.append('file', await openAsBlob(filePath), 'two-stain.png');
    form.append('tile_at_level0', 'true');
    const queued = (await (await fetch(`${baseUrl}/v1/slides`, { method: 'POST', body: form })).json()) as {
      id: string;
    };
    slideId = (await waitForSlide(baseUrl, queued.id)).id;
  });
  afterAll(async () => {
    await test?.dispose();
    if (fixtureDir) await rm(fixtureDir, { recursive: true, force: true });
  });

  it('serves the app at / with its assets, under a strict content security policy', async () => {
    const page = await fetch(`${baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'",
    );
    const html = await page.text();
    expect(html).not.toMatch(/<script>|style=/); // no inline script or style
    const script = await fetch(`${baseUrl}/assets/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(50_000);
    expect((await fetch(`${baseUrl}/assets/openseadragon-images/home_rest.png`)).status).toBe(200);
    const missing = await getJson('/assets/nothing.js');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('lists a slide’s conversations, newest first, with their message counts', async () => {
    expect((await getJson(`/v1/slides/${slideId}/conversations`)).body.data).toEqual([]);
    const ask = async (question: string) => {
      const response = await fetch(`${baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ max_tokens: 12, slide_id: slideId, messages: [{ role: 'user', content: question }] }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { conversation_id: string }).conversation_id;
    };
    const first = await ask('Where are the purple nuclei?');
    const second = await ask('Where is the pink stroma?');
    const { status, body } = await getJson(`/v1/slides/${slideId}/conversations`);
    expect(status).toBe(200);
    expect(body.data.map((conversation: { id: string }) => conversation.id)).toEqual([second, first]);
    expect(body.data[0]).toMatchObject({ object: 'conversation', slide_id: slideId, message_count: 2 });
    expect(body.data[0].title).toMatch(/pink stroma/);
    const unknown = await getJson('/v1/slides/00000000-0000-4000-8000-000000000000/conversations');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('slide_not_found');
  });

  it('lists a slide’s prototypes with representative regions whose crops load', async () => {
    const { status, body } = await getJson(`/v1/slides/${slideId}/prototypes`);
    expect(status).toBe(200);
    expect(body.data.length).toBeGreaterThan(0);
    const weights = body.data.map((prototype: { weight: number }) => prototype.weight);
    expect(weights).toEqual([...weights].sort((left, right) => right - left));
    expect(weights.reduce((sum: number, weight: number) => sum + weight, 0)).toBeCloseTo(1, 5);
    const patch = body.data[0].representative_patches[0];
    expect(patch).toMatchObject({ size_level0_px: 224 });
    const crop = await fetch(`${baseUrl}${patch.thumbnail_url}`);
    expect(crop.status).toBe(200);
    expect(crop.headers.get('content-type')).toBe('image/jpeg');
  });

  it('reports models, chat queue, ingestion counts and workers on /v1/status', async () => {
    const { status, body } = await getJson('/v1/status');
    expect(status).toBe(200);
    expect(body.models).toEqual([
      { id: 'pathlens/tiny-chat', task: 'chat', provider: 'local', demo: true },
      expect.objectContaining({ id: 'pathlens/tiny-clip', demo: true }),
    ]);
    expect(body.demo_warning).toMatch(/DEMO MODELS/);
    expect(body.chat_queue).toMatchObject({ running: 0, waiting: 0 });
    expect(body.ingestion.slides).toMatchObject({ ready: 1, queued: 0, running: 0, failed: 0 });
    expect(body.ingestion.workers).toHaveLength(1);
    expect(body.ingestion.workers[0]).toMatchObject({ slide_id: null });
  });
});

describe('WEB_APP=false', () => {
  it('serves only the API: / is a 404 in the API’s error envelope', async () => {
    const app = createApp(
      { runtime: null, startupError: null },
      { logger: silentLogger, maxUploadBytes: 1024, webAppDirectory: null, access: accessSettings(loadConfig({})) },
    );
    const response = await app.request('/');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
