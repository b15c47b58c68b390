import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '@pathlens/server';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { until } from '../helpers/until.ts';
import { uploadAndIngest } from './chat-test-slides.ts';

describe('a streamed chat that its client stops: the generation ends and nothing is stored', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let runtime: Runtime;
  let slideId: string;
  let fixtureDir: string;

  beforeAll(async () => {
    test = await startTestServer();
    baseUrl = test.server.url;
    runtime = test.server.holder.runtime!;
    fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-cancel-'));
    const file = path.join(fixtureDir, 'two-stain.png');
    await writeTwoStainSlide(file, { widthPx: 896, heightPx: 448 });
    slideId = (await uploadAndIngest(baseUrl, file)).id;
  }, 300_000);
  afterAll(async () => {
    await test?.dispose();
    await rm(fixtureDir, { recursive: true, force: true });
  });

  // Each question asks for a slide fact, so the model always runs (a declined question needs no model).
  // The tiny model ends its answer after ~10 tokens; `min_tokens` keeps it writing until it is stopped,
  // so a stop always lands mid-generation, however fast or slow this machine is.
  const streamChat = (question: string, signal: AbortSignal, maxTokens = 30) =>
    fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: [{ role: 'user', content: question }],
        slide_id: slideId,
        stream: true,
        max_tokens: maxTokens,
        min_tokens: maxTokens,
      }),
      signal,
    });

  /** Every question stored in this slide's conversations. */
  async function storedQuestions(): Promise<string[]> {
    const getJson = async <T>(route: string) => (await (await fetch(`${baseUrl}${route}`)).json()) as T;
    const list = await getJson<{ data: { id: string }[] }>(`/v1/slides/${slideId}/conversations`);
    type Conversation = { messages: { role: string; content: string }[] };
    const conversations = await Promise.all(
      list.data.map(({ id }) => getJson<Conversation>(`/v1/conversations/${id}`)),
    );
    return conversations.flatMap((conversation) =>
      conversation.messages.filter((message) => message.role === 'user').map((message) => message.content),
    );
  }

  const cancelledAudits = async () => {
    const response = await fetch(`${baseUrl}/v1/audit?action=chat&limit=1000`);
    const { data } = (await response.json()) as { data: { status: number }[] };
    return data.filter((event) => event.status === 499).length;
  };

  it('stopped before the first token, while it waits for the model: it leaves the queue, stores nothing', async () => {
    const queue = runtime.languageModel.queue;
    const busy = queue.join(); // another generation holds the model
    const before = queue.stats();
    const stop = new AbortController();
    const question = 'Stopped while waiting: what is the tissue area?';
    const pending = streamChat(question, stop.signal).catch((error: unknown) => error);
    await until(() => queue.stats().waiting === 1, 'the request to wait for the model');
    stop.abort();
    expect(await pending).toBeInstanceOf(Error); // no headers had been sent: the fetch itself is aborted
    await until(() => queue.stats().waiting === 0, 'the stopped request to leave the queue');
    busy.leave();
    expect(queue.stats()).toMatchObject({ running: 0, waiting: 0, started: before.started });
    expect(queue.stats().abandoned).toBe(before.abandoned + 1);
    expect(await storedQuestions()).not.toContain(question);
  });

  it('stopped before the first token, once its turn has come: the generation ends and nothing is stored', async () => {
    const queue = runtime.languageModel.queue;
    const before = queue.stats();
    const stop = new AbortController();
    const question = 'Stopped at its turn: what is the tissue area?';
    const pending = streamChat(question, stop.signal, 1_000).catch((error: unknown) => error);
    await until(() => queue.stats().started > before.started, 'the request to take its turn', 30_000);
    stop.abort();
    await pending;
    await until(() => queue.stats().running === 0, 'the generation to end');
    await until(async () => (await cancelledAudits()) >= 2, 'the stopped chat to be audited as cancelled (499)');
    expect(await storedQuestions()).not.toContain(question);
  });

  it('stopped mid-stream, after the first tokens: the generation ends and nothing is stored', async () => {
    const queue = runtime.languageModel.queue;
    const stop = new AbortController();
    const response = await streamChat('Stopped mid-stream: what is the tissue area?', stop.signal, 1_000);
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    while (!received.includes('"content":"') || received.split('data:').length < 3) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before any text: ${received}`);
      received += value;
    }
    expect(received).not.toContain('[DONE]');
    stop.abort();
    await reader.read().catch(() => {});
    await until(() => queue.stats().running === 0, 'the generation to end');
    await until(async () => (await cancelledAudits()) >= 3, 'the stopped chat to be audited as cancelled (499)');
    expect(await storedQuestions()).not.toContain('Stopped mid-stream: what is the tissue area?');
  });

  it('a chat that is not stopped is stored (the check above can fail)', async () => {
    const response = await streamChat('Not stopped: what is the tissue area?', new AbortController().signal);
    expect(await response.text()).toContain('[DONE]');
    expect(await storedQuestions()).toContain('Not stopped: what is the tissue area?');
  });
});
