import { openAsBlob } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { conversationFilesDirectory } from '@pathlens/core';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';

type Json = Record<string, any>;

describe('deletion leaves no file or row behind', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let inputDir: string;

  const call = async (method: string, route: string, body?: unknown) => {
    const init: RequestInit = { method };
    if (body !== undefined)
      Object.assign(init, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const response = await fetch(baseUrl + route, init);
    return { status: response.status, body: (await response.json()) as Json };
  };
  const uploadSlide = async (widthPx: number, metadata: Record<string, string>) => {
    const filePath = path.join(inputDir, `slide-${widthPx}.png`);
    await writeTwoStainSlide(filePath, { widthPx, heightPx: 448 });
    const form = new FormData();
    form.append('file', await openAsBlob(filePath), path.basename(filePath));
    form.append('mpp', '0.5');
    form.append('metadata', JSON.stringify(metadata));
    const response = await fetch(`${baseUrl}/v1/slides`, { method: 'POST', body: form });
    expect(response.status).toBe(202);
    return waitForSlide(baseUrl, ((await response.json()) as { id: string }).id);
  };
  const addPair = async (red: number, metadata: Record<string, string>) => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: red, g: 64, b: 153 } } })
      .png()
      .toBuffer();
    const response = await call('POST', '/v1/pairs', {
      image: `data:image/png;base64,${png.toString('base64')}`,
      caption: `nuclei ${red}`,
      metadata,
    });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const chatAbout = async (slideId: string) => {
    const response = await call('POST', '/v1/chat/completions', {
      messages: [{ role: 'user', content: 'Where are the nuclei?' }],
      slide_id: slideId,
      max_tokens: 10,
    });
    expect(response.status).toBe(200);
    const conversationId = response.body.conversation_id as string;
    // Images sent in chat live in the conversation's folder (stored by the chat route).
    await mkdir(conversationFilesDirectory(test.dataDir, conversationId), { recursive: true });
    await writeFile(path.join(conversationFilesDirectory(test.dataDir, conversationId), 'image-1.png'), 'png bytes');
    return conversationId;
  };
  /** Rows left in each table, by a slide's id where the table has one. */
  const rows = async (table: string, where = 'true') => {
    const result = await test.server.holder.runtime!.store.handle.db.execute(
      sql.raw(`select count(*)::int as count from ${table} where ${where}`),
    );
    return Number(
      (result as unknown as { rows?: { count: number }[] }).rows?.[0]?.count ??
        (result as unknown as { count: number }[])[0]?.count,
    );
  };
  /** Every file under DATA_DIR except the database itself. */
  const dataFiles = async () =>
    (await readdir(test.dataDir, { recursive: true, withFileTypes: true }))
      .filter((entry) => !entry.isDirectory())
      .map((entry) => path.relative(test.dataDir, path.join(entry.parentPath, entry.name)))
      .filter((file) => !file.startsWith('pglite') && !file.startsWith('pair-imports'))
      .sort();

  beforeAll(async () => {
    inputDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-deletion-'));
    test = await startTestServer();
    baseUrl = test.server.url;
  }, 180_000);
  afterAll(async () => {
    await test?.dispose();
    await rm(inputDir, { recursive: true, force: true });
  });

  it('DELETE /v1/slides/:id removes patches, prototypes, reports, tiles, masks and the upload; conversations say so', async () => {
    const slide = await uploadSlide(896, { organ: 'colon' });
    expect(slide.status).toBe('ready');
    expect((await fetch(`${baseUrl}/v1/slides/${slide.id}/dzi_files/0/0_0.jpeg`)).status).toBe(200); // a cached tile
    expect((await fetch(`${baseUrl}/v1/slides/${slide.id}/tissue-mask.png`)).status).toBe(200);
    const report = await call('POST', '/v1/reports', { slide_id: slide.id });
    expect(report.status).toBe(201);
    const conversationId = await chatAbout(slide.id);
    expect(await rows('patches', `slide_id = '${slide.id}'`)).toBe(slide.patch_count);
    expect((await dataFiles()).some((file) => file.startsWith(`slides/${slide.id}/`))).toBe(true);
    expect((await dataFiles()).some((file) => file.startsWith('uploads/'))).toBe(true);

    const deleted = await call('DELETE', `/v1/slides/${slide.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.deleted).toMatchObject({
      slides: 1,
      patches: slide.patch_count,
      reports: 1,
      conversations_marked: 1,
    });
    expect(deleted.body.deleted.prototypes).toBeGreaterThan(0);
    expect(deleted.body.deleted.files).toBeGreaterThanOrEqual(3); // upload, tissue mask, outlines, tiles
    for (const table of ['slides', 'patches', 'slide_prototypes', 'reports']) expect(await rows(table)).toBe(0);
    expect((await dataFiles()).filter((file) => !file.startsWith('conversations/'))).toEqual([]);
    expect((await call('GET', `/v1/slides/${slide.id}`)).status).toBe(404);
    expect((await call('GET', `/v1/reports/${report.body.id}`)).status).toBe(404);
    expect((await call('DELETE', `/v1/slides/${slide.id}`)).status).toBe(404);

    // The conversation keeps its text and says the slide was deleted.
    const conversation = await call('GET', `/v1/conversations/${conversationId}`);
    expect(conversation.body).toMatchObject({ slide_id: null, slide_deleted: true });
    expect(conversation.body.messages.map((message: Json) => message.role)).toEqual(['user', 'assistant']);

    // Deleting the conversation takes its messages and images.
    const gone = await call('DELETE', `/v1/conversations/${conversationId}`);
    expect(gone.body.deleted).toEqual({ conversations: 1, messages: 2, files: 1 });
    expect(await rows('conversations')).toBe(0);
    expect(await rows('messages')).toBe(0);
    expect(await dataFiles()).toEqual([]);
  }, 300_000);

  it('deleting a slide while it is being ingested stops the ingestion, and nothing of it is left', async () => {
    const filePath = path.join(inputDir, 'big.png');
    await writeTwoStainSlide(filePath, { widthPx: 2688, heightPx: 1344 });
    const form = new FormData();
    form.append('file', await openAsBlob(filePath), 'big.png');
    form.append('mpp', '0.5');
    const queued = (await (await fetch(`${baseUrl}/v1/slides`, { method: 'POST', body: form })).json()) as Json;
    const deadline = Date.now() + 60_000;
    while ((await call('GET', `/v1/slides/${queued.id}`)).body.status === 'queued' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const deleted = await call('DELETE', `/v1/slides/${queued.id}`);
    expect(deleted.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // anything the worker still had in hand
    expect(await rows('slides', `id = '${queued.id}'`)).toBe(0);
    expect(await rows('patches', `slide_id = '${queued.id}'`)).toBe(0);
    expect((await dataFiles()).filter((file) => file.includes(queued.id) || file.startsWith('uploads/'))).toEqual([]);
    expect(test.server.holder.runtime!.ingestion.progress(queued.id)).toBeUndefined();
  }, 300_000);

  it('deletes a pair with its image file, and a report on its own', async () => {
    const pairId = await addPair(90, {});
    expect((await dataFiles()).filter((file) => file.startsWith('pairs/'))).toHaveLength(1);
    expect((await call('DELETE', `/v1/pairs/${pairId}`)).body.deleted).toEqual({ pairs: 1, files: 1 });
    expect(await rows('image_text_pairs')).toBe(0);
    expect(await dataFiles()).toEqual([]);

    const slide = await uploadSlide(672, { organ: 'colon' });
    const report = await call('POST', '/v1/reports', { slide_id: slide.id });
    expect((await call('DELETE', `/v1/reports/${report.body.id}`)).body.deleted).toEqual({ reports: 1 });
    expect(await rows('reports')).toBe(0);
    expect((await call('GET', `/v1/slides/${slide.id}`)).body.status).toBe('ready'); // the slide stays
    expect((await call('DELETE', `/v1/reports/not-an-id`)).status).toBe(404);
    await call('DELETE', `/v1/slides/${slide.id}`);
  }, 300_000);

  it('purges everything derived from one patient id, and the audit names the deleter but not the content', async () => {
    const theirs = await uploadSlide(784, { organ: 'colon', patient_id: 'P-0042' });
    const others = await uploadSlide(560, { organ: 'colon', patient_id: 'P-0099' });
    const conversationId = await chatAbout(theirs.id);
    await addPair(120, { patient_id: 'P-0042' });
    const keptPair = await addPair(150, { patient_id: 'P-0099' });

    const refused = await call('POST', '/v1/admin/purge', { patient_id: 'P-\u00000042' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/NUL/);

    const purged = await call('POST', '/v1/admin/purge', { patient_id: 'P-0042' });
    expect(purged.status).toBe(200);
    expect(purged.body.purged).toMatchObject({ slides: 1, conversations: 1, messages: 2, pairs: 1 });
    expect(purged.body.purged.patient_id_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await call('GET', `/v1/slides/${theirs.id}`)).status).toBe(404);
    expect((await call('GET', `/v1/conversations/${conversationId}`)).status).toBe(404);
    expect((await call('GET', `/v1/slides/${others.id}`)).body.status).toBe('ready');
    expect(await rows('image_text_pairs')).toBe(1);
    expect(await rows('patches', `slide_id = '${theirs.id}'`)).toBe(0);
    expect((await dataFiles()).filter((file) => file.includes(theirs.id) || file.includes(conversationId))).toEqual([]);

    const audit = await call('GET', '/v1/audit?action=purge');
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({
      actor: 'anonymous',
      action: 'purge',
      target_kind: 'patient',
      status: 200,
    });
    expect(JSON.stringify(audit.body)).not.toContain('P-0042');
    const deletions = await call('GET', '/v1/audit?action=delete');
    expect(deletions.body.data.map((event: Json) => event.target_kind).sort()).toEqual([
      'conversation',
      'pair',
      'report',
      'slide',
      'slide',
      'slide',
    ]);
    expect(deletions.body.data.every((event: Json) => event.actor === 'anonymous' && event.deleted_counts)).toBe(true);
    expect(keptPair).toBeTruthy();
  }, 300_000);
});
