import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJpeg, writePlainTiff } from '../fixtures/make-slide-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';

describe('POST /v1/slides: resolution and metadata', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let slideDir: string;
  let baseUrl: string;
  let jpegPath: string;
  let plainTiffPath: string;

  const postJson = (body: unknown) =>
    fetch(`${baseUrl}/v1/slides`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const postForm = async (filePath: string, fields: Record<string, string>) => {
    const form = new FormData();
    form.append('file', await openAsBlob(filePath), path.basename(filePath));
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    return fetch(`${baseUrl}/v1/slides`, { method: 'POST', body: form });
  };
  const errorOf = async (response: Response, status: number) => {
    expect(response.status).toBe(status);
    return ((await response.json()) as { error: { code: string; message: string; param?: string } }).error;
  };

  beforeAll(async () => {
    slideDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-registration-'));
    jpegPath = await writeJpeg(slideDir); // 72 dpi: no MPP
    plainTiffPath = await writePlainTiff(slideDir); // libvips' 1 px/mm: not a microscope MPP
    test = await startTestServer({ slideDirs: slideDir, ingestWorkers: 0 }); // registration only: nothing ingests
    baseUrl = test.server.url;
  });
  afterAll(async () => {
    await test?.dispose();
    await rm(slideDir, { recursive: true, force: true });
  });

  it('refuses a slide without MPP with 422 missing_mpp, saying how to give one, and keeps nothing', async () => {
    const byPath = await errorOf(await postJson({ path: jpegPath }), 422);
    expect(byPath.code).toBe('missing_mpp');
    expect(byPath.message).toMatch(/--mpp/);
    expect(byPath.message).toMatch(/"mpp"/);
    expect(byPath.message).toMatch(/tile_at_level0/);
    const byUpload = await errorOf(await postForm(jpegPath, {}), 422);
    expect(byUpload.code).toBe('missing_mpp');
    expect(((await (await fetch(`${baseUrl}/v1/slides`)).json()) as { data: unknown[] }).data).toEqual([]);
    expect(await readdir(path.join(test.dataDir, 'uploads'))).toEqual([]); // the refused upload is not kept
  });

  it('rejects impossible values with 400 naming the field', async () => {
    expect(await errorOf(await postJson({ path: jpegPath, mpp: 1000 }), 400)).toMatchObject({
      code: 'invalid_request',
      param: 'mpp',
    });
    expect(await errorOf(await postJson({ path: jpegPath, mpp: 'fine' }), 400)).toMatchObject({
      code: 'invalid_request',
      param: 'mpp',
    });
    expect(
      await errorOf(await postJson({ path: jpegPath, mpp: 0.25, metadata: { 'not a key': 'x' } }), 400),
    ).toMatchObject({ code: 'invalid_request' });
    expect(await errorOf(await postForm(jpegPath, { mpp: 'abc' }), 400)).toMatchObject({
      code: 'invalid_request',
      param: 'mpp',
    });
    expect(await errorOf(await postForm(jpegPath, { mpp: '0.25', metadata: '{organ: colon' }), 400)).toMatchObject({
      code: 'invalid_request',
      param: 'metadata',
    });
    expect(await errorOf(await postForm(jpegPath, { tile_at_level0: 'yes' }), 400)).toMatchObject({
      code: 'invalid_request',
      param: 'tile_at_level0',
    });
  });

  it('takes an MPP and metadata by upload, and tiles for the target resolution', async () => {
    const response = await postForm(jpegPath, {
      mpp: '0.25',
      metadata: JSON.stringify({ organ: 'colon', stain: 'H&E' }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      mpp_x: 0.25,
      mpp_source: 'user',
      target_mpp: 0.5,
      patch_size_level0_px: 448,
      metadata: { organ: 'colon', stain: 'H&E' },
      duplicate: false,
    });
  });

  it('takes level-0 tiling by path, with no physical scale', async () => {
    const response = await postJson({ path: plainTiffPath, tile_at_level0: true, metadata: { block: 'A3' } });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      mpp_x: null,
      mpp_source: 'none',
      target_mpp: null,
      patch_size_level0_px: 224,
      metadata: { block: 'A3' },
    });
  });
});
