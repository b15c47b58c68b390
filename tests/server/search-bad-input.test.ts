import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, silentLogger } from '@pathlens/core';
import { createRuntime } from '@pathlens/server';
import { startTestServer } from '../helpers/test-server.ts';
import { componentPatchPng } from '../retrieval/stain-class-fixtures.ts';

describe('search, heatmap and zero-shot refuse bad input with a clear 4xx', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let textOnlyPairId: string;
  const missing = '00000000-0000-4000-8000-000000000000';

  beforeAll(async () => {
    test = await startTestServer();
    baseUrl = test.server.url;
    const runtime = test.server.holder.runtime!;
    const [captionEmbedding] = await runtime.textEncoder.embedTexts(['a caption with no image']);
    textOnlyPairId = (
      await runtime.store.pairs.insert({
        imageRef: null,
        contentSha256: 'text-only',
        caption: 'a caption with no image',
        imageEmbedding: null,
        captionEmbedding: Array.from(captionEmbedding!),
      })
    ).pair.id;
  });
  afterAll(async () => test?.dispose());

  const errorOf = async (response: Response, status: number, code: string, message?: RegExp) => {
    expect(response.status, `${response.url}`).toBe(status);
    const { error } = (await response.json()) as { error: { code: string; message: string; type: string } };
    expect(error.code).toBe(code);
    if (message) expect(error.message).toMatch(message);
    return error;
  };
  const get = (url: string) => fetch(baseUrl + url);
  const post = (url: string, body: unknown) =>
    fetch(baseUrl + url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const upload = (url: string, bytes: Uint8Array, fields: Record<string, string> = {}) => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(bytes)]), 'upload.png');
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    return fetch(baseUrl + url, { method: 'POST', body: form });
  };

  it('an empty query, a 1 MB query, and k or offset too large', async () => {
    await errorOf(await get('/v1/search?q='), 400, 'invalid_request', /q: the query text is empty/);
    await errorOf(await get('/v1/search?q=%20%20'), 400, 'invalid_request', /empty/);
    await errorOf(
      await post('/v1/search', { q: 'x'.repeat(1_000_000) }),
      400,
      'invalid_request',
      /longer than 2,000 characters/,
    );
    await errorOf(
      await post('/v1/search/captions', { q: 'nuclei '.repeat(150_000) }),
      400,
      'invalid_request',
      /longer than 2,000/,
    );
    // in a URL, 1 MB never reaches the app: Node refuses the request line/headers first
    expect([400, 414, 431]).toContain((await get(`/v1/search?q=${'x'.repeat(1_000_000)}`)).status);
    await errorOf(
      await get('/v1/search?q=nuclei&k=101'),
      400,
      'invalid_request',
      /k can be at most 100; page through more with offset/,
    );
    await errorOf(await get('/v1/search?q=nuclei&k=0'), 400, 'invalid_request', /k must be at least 1/);
    await errorOf(await get('/v1/search?q=nuclei&k=ten'), 400, 'invalid_request', /k:/);
    await errorOf(await get('/v1/search?q=nuclei&offset=5000'), 400, 'invalid_request', /offset can be at most 899/);
    await errorOf(await get('/v1/search?q=nuclei&exact=true&rerank=true'), 400, 'invalid_request', /not both/);
    await errorOf(await get('/v1/search?q=nuclei&kind=slides'), 400, 'invalid_request', /kind/);
    await errorOf(
      await get(`/v1/search?q=nuclei&kind=pair&slide_id=${missing}`),
      400,
      'invalid_request',
      /cannot be combined with kind=pair/,
    );
    await errorOf(await get(`/v1/search?q=nuclei&slide_id=${missing}`), 404, 'slide_not_found');
    await errorOf(await post('/v1/search', '{not json'), 400, 'invalid_request', /not valid JSON/);
    await errorOf(await get('/v1/search/captions?k=3'), 400, 'invalid_request', /either q .* or pair_id/);
  });

  it('an upload that is not an image, and image queries that name nothing or too much', async () => {
    const text = new TextEncoder().encode('just some text, not an image');
    await errorOf(await upload('/v1/search/image', text), 415, 'unsupported_format', /Not a readable image/);
    await errorOf(
      await post('/v1/search/image', { image: `data:image/png;base64,${Buffer.from('nope').toString('base64')}` }),
      415,
      'unsupported_format',
    );
    await errorOf(
      await post('/v1/search/image', { image: 'http://example.com/a.png' }),
      400,
      'invalid_request',
      /data URL/,
    );
    await errorOf(await post('/v1/search/image', { k: 3 }), 400, 'invalid_request', /exactly one query image/);
    await errorOf(
      await upload('/v1/search/image', await componentPatchPng('cellular', 1), { pair_id: textOnlyPairId }),
      400,
      'invalid_request',
      /exactly one/,
    );
    await errorOf(await post('/v1/search/image', { pair_id: missing }), 404, 'not_found', /No library pair/);
    await errorOf(await post('/v1/search/image', { pair_id: 'abc' }), 400, 'invalid_request', /pair_id must be/);
    await errorOf(await post('/v1/search/image', { patch_id: 987654 }), 404, 'not_found', /No patch with id 987654/);
    await errorOf(
      await post('/v1/search/image', { pair_id: textOnlyPairId, target: 'images' }),
      400,
      'invalid_request',
      /caption without an image.*search\/captions\?pair_id=/,
    );
    await errorOf(
      await fetch(`${baseUrl}/v1/search/image`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x',
      }),
      415,
      'unsupported_media_type',
      /multipart\/form-data/,
    );
    await errorOf(await get(`/v1/search/similar-slides?slide_id=${missing}`), 404, 'slide_not_found');
    await errorOf(await get('/v1/search/similar-slides'), 400, 'invalid_request', /slide_id/);
  });

  it('heatmaps of unknown slides or with bad parameters', async () => {
    await errorOf(await get(`/v1/slides/${missing}/heatmap?q=nuclei`), 404, 'slide_not_found');
    await errorOf(await get('/v1/slides/not-a-uuid/heatmap?q=nuclei'), 404, 'slide_not_found');
    await errorOf(await get(`/v1/slides/${missing}/heatmap?q=`), 400, 'invalid_request', /empty/);
    await errorOf(await get(`/v1/slides/${missing}/heatmap?q=x&format=gif`), 400, 'invalid_request', /format/);
    await errorOf(
      await get(`/v1/slides/${missing}/heatmap?q=x&max_size_px=100000`),
      400,
      'invalid_request',
      /max_size_px can be at most 8192/,
    );
    await errorOf(
      await get(`/v1/slides/${missing}/heatmap?q=x&score_min=0.5&score_max=0.1`),
      400,
      'invalid_request',
      /score_min must be below score_max/,
    );
  });

  it('zero-shot with an unknown or invalid label set, a non-image, or nothing to classify', async () => {
    const png = await componentPatchPng('cellular', 1);
    const unknown = await errorOf(
      await upload('/v1/classify', png, { label_set: 'no-such-set' }),
      404,
      'label_set_not_found',
      /No label set "no-such-set"/,
    );
    expect(unknown.message).toContain('crc-tissue-types');
    await errorOf(await get('/v1/label-sets/no-such-set'), 404, 'label_set_not_found');
    await errorOf(
      await upload('/v1/classify', new TextEncoder().encode('not an image'), { label_set: 'crc-tissue-types' }),
      415,
      'unsupported_format',
    );
    await errorOf(await upload('/v1/classify', png), 400, 'invalid_request', /label_set is required/);
    await errorOf(
      await post('/v1/classify', { label_set: 'crc-tissue-types' }),
      400,
      'invalid_request',
      /exactly one thing to classify/,
    );
    await errorOf(
      await post('/v1/classify', { label_set: 'crc-tissue-types', pair_id: textOnlyPairId }),
      400,
      'invalid_request',
      /caption without an image/,
    );
    await errorOf(
      await post('/v1/classify', { label_set: 'crc-tissue-types', slide_id: missing }),
      404,
      'slide_not_found',
    );
    await errorOf(
      await post('/v1/classify', { label_set: 'crc-tissue-types', slide_id: missing, method: 'majority' }),
      400,
      'invalid_request',
      /method/,
    );
    await errorOf(
      await post('/v1/classify', { label_set: 'crc-tissue-types', pair_id: textOnlyPairId, method: 'patch-votes' }),
      400,
      'invalid_request',
      /whole slide/,
    );
    const inline = await errorOf(
      await post('/v1/classify', {
        label_set: { id: 'x', name: 'x', classes: [{ id: 'a', name: 'a', prompts: ['a'] }, { id: 'b' }] },
        pair_id: textOnlyPairId,
      }),
      400,
      'invalid_request',
    );
    expect(inline.message).toMatch(/Invalid label set \(request label_set\): classes\.1\.name/);
  });

  it('refuses to start with a broken label-set file in LABEL_SETS_DIR, naming the file and field', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'pathlens-bad-label-sets-'));
    try {
      await writeFile(
        path.join(folder, 'mine.json'),
        JSON.stringify({
          id: 'mine',
          name: 'Mine',
          templates: ['{class}'],
          classes: [
            { id: 'a', name: 'a' },
            { id: 'b', name: '' },
          ],
        }),
      );
      const config = loadConfig({
        explicit: {
          dataDir: folder,
          modelsDir: inject('modelsDir'),
          imageTextEncoder: 'pathlens/tiny-clip',
          chatModel: 'pathlens/tiny-chat',
          pullModels: 'false',
          labelSetsDir: folder,
        },
        environment: {},
      });
      await expect(createRuntime(config, silentLogger)).rejects.toThrow(
        new RegExp(`Invalid label set ${path.join(folder, 'mine.json').replaceAll('/', '\\/')}: classes\\.1\\.name`),
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('still answers after all of it', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect(((await (await get('/v1/search?q=nuclei&kind=pair')).json()) as { data: unknown[] }).data).toEqual([]);
  });
});
