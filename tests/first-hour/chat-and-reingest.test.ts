import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsupportedNumberFlag } from '@pathlens/assistant';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';
import { uploadSlide } from '../server/chat-test-slides.ts';
import { startNumberWritingUpstream } from './number-writing-upstream.ts';

const upstreamAnswer = 'The tissue measures 12 mm across, and 40% of it is tumour [1].';

const upload = uploadSlide;

describe('issue 11: a failed slide is corrected by re-ingesting; chat flags unsupported numbers and answers slide-fact questions', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let upstream: Awaited<ReturnType<typeof startNumberWritingUpstream>>;
  let baseUrl: string;
  let fixtureDir: string;
  let slideFile: string;
  let slideId: string;

  beforeAll(async () => {
    upstream = await startNumberWritingUpstream(upstreamAnswer);
    // A floor no question's words reach: only a question about the slide's facts can be answered.
    test = await startTestServer({
      chatProvider: 'openai-compatible',
      chatBaseUrl: upstream.url,
      chatUpstreamModel: 'number-writer',
      chatMinSimilarity: 0.99,
      chatMinCaptionSimilarity: 0.99,
    });
    baseUrl = test.server.url;
    fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-first-hour-'));
    slideFile = path.join(fixtureDir, 'two-stain.png');
    await writeTwoStainSlide(slideFile, { widthPx: 448, heightPx: 448 });
  });
  afterAll(async () => {
    await test?.dispose();
    await upstream?.close();
    await rm(fixtureDir, { recursive: true, force: true });
  });

  const chat = (body: Record<string, unknown>) =>
    fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ max_tokens: 40, ...body }),
    });

  it('11.3: a slide that failed (wrong MPP) is re-ingested with the right one through POST /v1/slides/:id/reingest', async () => {
    // 0.02 µm/px makes one 224-px patch at 0.5 µm/px 5,600 level-0 px: larger than the image, so nothing is tiled.
    const queued = (await (await upload(baseUrl, slideFile, { mpp: '0.02' })).json()) as Record<string, any>;
    const failed = await waitForSlide(baseUrl, queued.id);
    expect(failed.status).toBe('failed');
    slideId = failed.id;

    // 11.8: chat on a failed slide says it failed and how to re-ingest, not "ask again when ready".
    const refused = await chat({ slide_id: slideId, messages: [{ role: 'user', content: 'What is here?' }] });
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('slide_not_ready');
    expect(error.message).toContain('failed to ingest');
    expect(error.message).toContain(`/v1/slides/${slideId}/reingest`);
    expect(error.message).not.toContain('ask again');

    const bad: [unknown, number][] = [
      [{ mpp: -1 }, 400],
      [{ target_mpp: 'fine' }, 400],
      [{ tools: [] }, 400],
    ];
    for (const [body, status] of bad) {
      const response = await fetch(`${baseUrl}/v1/slides/${slideId}/reingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(status);
    }
    expect(
      (await fetch(`${baseUrl}/v1/slides/00000000-0000-4000-8000-000000000000/reingest`, { method: 'POST' })).status,
    ).toBe(404);

    const response = await fetch(`${baseUrl}/v1/slides/${slideId}/reingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mpp: 0.5 }),
    });
    expect(response.status).toBe(202);
    const requeued = (await response.json()) as Record<string, any>;
    expect(requeued).toMatchObject({
      id: slideId,
      status: 'queued',
      failure_reason: null,
      mpp_x: 0.5,
      mpp_source: 'user',
      patch_size_level0_px: 224,
      patch_count: 0,
    });
    const ready = await waitForSlide(baseUrl, slideId);
    expect(ready).toMatchObject({ status: 'ready', patch_count: 4 });

    // A ready slide is re-ingested from a clean state too, keeping the MPP it was given.
    const again = (await (
      await fetch(`${baseUrl}/v1/slides/${slideId}/reingest`, { method: 'POST' })
    ).json()) as Record<string, any>;
    expect(again).toMatchObject({ status: 'queued', mpp_x: 0.5, mpp_source: 'user', patch_count: 0 });
    expect(await waitForSlide(baseUrl, slideId)).toMatchObject({ status: 'ready', patch_count: 4 });
  });

  it('11.7: a question about the slide’s own facts is answered from them, whatever the similarity floor', async () => {
    const declined = (await (
      await chat({ slide_id: slideId, messages: [{ role: 'user', content: 'Where are the purple nuclei?' }] })
    ).json()) as Record<string, any>;
    expect(declined.answer_supported).toBe(false);
    expect(declined.choices[0].message.content).toMatch(/does not support an answer/);
    const requestsBefore = upstream.requests.length;

    const answered = (await (
      await chat({ slide_id: slideId, messages: [{ role: 'user', content: 'How large is the tissue area?' }] })
    ).json()) as Record<string, any>;
    expect(answered.choices[0].message.content).not.toMatch(/does not support an answer/);
    expect(upstream.requests.length).toBe(requestsBefore + 1);
    expect(answered.evidence.find((item: { kind: string }) => item.kind === 'slide-facts')).toMatchObject({
      tissueAreaMm2: 0.05,
    });
  });

  it('11.5: numbers no evidence gives are flagged in the text the user sees, the answer marked unsupported, the original audited', async () => {
    const body = (await (
      await chat({ slide_id: slideId, messages: [{ role: 'user', content: 'What is the tissue area in mm²?' }] })
    ).json()) as Record<string, any>;
    const content = body.choices[0].message.content as string;
    expect(content).toContain(
      `The tissue measures ${unsupportedNumberFlag} across, and ${unsupportedNumberFlag} of it is tumour [1].`,
    );
    expect(content).not.toContain('12 mm');
    expect(body.unsupported_numbers).toEqual(['12 mm', '40%']);
    expect(body.answer_supported).toBe(false);
    expect(body.warnings.join(' ')).toContain(unsupportedNumberFlag);

    const [audited] = (
      (await (await fetch(`${baseUrl}/v1/audit?action=chat&limit=1`)).json()) as { data: Record<string, any>[] }
    ).data;
    expect(audited).toMatchObject({ conversation_id: body.conversation_id, unsupported_numbers: ['12 mm', '40%'] });
    expect(audited!.original_text).toContain(upstreamAnswer);
    const stored = (await (await fetch(`${baseUrl}/v1/conversations/${body.conversation_id}`)).json()) as {
      messages: { role: string; content: string }[];
    };
    expect(stored.messages.at(-1)!.content).toBe(content);

    // Streamed: the text already sent cannot be taken back, so the flag follows it, naming the numbers.
    const streamed = await (
      await chat({
        slide_id: slideId,
        stream: true,
        messages: [{ role: 'user', content: 'How large is the tissue area?' }],
      })
    ).text();
    const chunks = streamed
      .split('\n\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as Record<string, any>);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    expect(text).toContain(`${unsupportedNumberFlag}: 12 mm, 40%`);
    expect(chunks.at(-1)).toMatchObject({ answer_supported: false, unsupported_numbers: ['12 mm', '40%'] });
  });

  it('11.8: OpenAI parameters that change the answer are refused; embeddings name their limit; upload errors name the file', async () => {
    const question = { slide_id: slideId, messages: [{ role: 'user', content: 'How large is the tissue area?' }] };
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ tools: [{ type: 'function', function: { name: 'lookup', parameters: {} } }] }, /tools is not supported/],
      [{ tool_choice: 'auto' }, /tool_choice is not supported/],
      [{ response_format: { type: 'json_object' } }, /response_format/],
    ];
    for (const [extra, message] of refusals) {
      const response = await chat({ ...question, ...extra });
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('invalid_request');
      expect(error.message).toMatch(message);
    }
    expect((await chat({ ...question, response_format: { type: 'text' } })).status).toBe(200);

    const embed = (input: unknown) =>
      fetch(`${baseUrl}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input }),
      });
    const tooMany = await embed(Array.from({ length: 300 }, (_, index) => `text ${index}`));
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { message: string } }).error.message).toMatch(
      /300 texts is over the limit of 256/,
    );
    const tokens = await embed([[101, 2023, 102]]);
    expect(tokens.status).toBe(400);
    expect(((await tokens.json()) as { error: { message: string } }).error.message).toMatch(/not token ids/);

    const form = new FormData();
    form.append('file', new Blob([new TextEncoder().encode('just some text, not a slide')]), 'case-17 biopsy.svs');
    const upload = await fetch(`${baseUrl}/v1/slides`, { method: 'POST', body: form });
    expect(upload.status).toBe(415);
    const { error } = (await upload.json()) as { error: { message: string } };
    expect(error.message).toContain('case-17 biopsy.svs');
    expect(error.message).not.toContain(test.dataDir);
    expect(error.message).not.toMatch(/uploads/);
  });

  it('11.6: every response computed with the demo encoder carries the demo warning; zero-shot probabilities are labelled', async () => {
    const demo = { demo: true, warnings: [expect.stringMatching(/DEMO MODELS/)] };
    const search = (await (await fetch(`${baseUrl}/v1/search?q=purple%20nuclei`)).json()) as Record<string, unknown>;
    expect(search).toMatchObject(demo);
    const embeddings = (await (
      await fetch(`${baseUrl}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'purple nuclei' }),
      })
    ).json()) as Record<string, unknown>;
    expect(embeddings).toMatchObject(demo);
    const classified = (await (
      await fetch(`${baseUrl}/v1/classify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ label_set: 'crc-tissue-types', slide_id: slideId }),
      })
    ).json()) as Record<string, any>;
    expect(classified).toMatchObject(demo);
    expect(classified.predicted.probability_note).toMatch(/demo encoder: not a meaningful probability/);
    const heatmap = (await (await fetch(`${baseUrl}/v1/slides/${slideId}/heatmap?q=purple`)).json()) as Record<
      string,
      unknown
    >;
    expect(heatmap).toMatchObject(demo);
  });
});
