import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PathLensError } from '@pathlens/core';
import {
  estimateTokens,
  loadLanguageModel,
  loadTokenCounter,
  type GenerationRequest,
  type LanguageModel,
} from '@pathlens/language-model';
import { createApiKey, type Runtime } from '@pathlens/server';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { collectGeneration } from '../helpers/collect-generation.ts';
import { uploadAndIngest } from './chat-test-slides.ts';

const collect = collectGeneration;

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('an OpenAI-compatible upstream: a second PathLens instance serving its local tiny model', () => {
  let upstream: Awaited<ReturnType<typeof startTestServer>>;
  let upstreamRuntime: Runtime;
  let model: LanguageModel;
  // The upstream is a PathLens with keys: the primary sends a clinician key, the audit is read with an admin key.
  let clinician: { key: string; id: string };
  let adminKey: string;
  const settings = () => ({
    provider: 'openai-compatible' as const,
    baseUrl: `${upstream.server.url}/v1`,
    model: 'pathlens/tiny-chat',
    apiKey: clinician.key,
    contextLengthTokens: 4096,
    concurrency: 2,
    queueSize: 4,
    tokenizer: { modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-chat' },
  });
  // As the primary sends it: its own system message with the evidence, then the question.
  const question: GenerationRequest = {
    messages: [
      {
        role: 'system',
        content: 'Answer from the evidence and cite it as [n].\n[1] Slide region at level-0 (0, 0), similarity 0.93',
      },
      { role: 'user', content: 'What does region [1] show?' },
    ],
    maxNewTokens: 40,
    temperature: 0,
  };

  beforeAll(async () => {
    upstream = await startTestServer({ chatQueueSize: 1 });
    upstreamRuntime = upstream.server.holder.runtime!;
    const created = await createApiKey(upstreamRuntime.store, { name: 'primary', role: 'clinician' });
    clinician = { key: created.key, id: created.row.id };
    adminKey = (await createApiKey(upstreamRuntime.store, { name: 'auditor', role: 'admin' })).key;
    model = await loadLanguageModel(settings());
  });
  afterAll(async () => {
    await model?.dispose();
    await upstream?.dispose();
  });

  it('relays the upstream stream token by token, with its usage, and sends the configured key', async () => {
    const { texts, text, finish } = await collect(model.generate(question));
    expect(texts.length).toBeGreaterThan(3);
    expect(finish).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(finish.promptTokens).toBeGreaterThan(0);
    expect(finish.completionTokens).toBeGreaterThan(0);
    // The same answer the upstream gives a direct, non-streamed request.
    const direct = await new OpenAI({
      baseURL: `${upstream.server.url}/v1`,
      apiKey: clinician.key,
      maxRetries: 0,
    }).chat.completions.create({
      model: 'pathlens/tiny-chat',
      messages: question.messages,
      max_tokens: 40,
      temperature: 0,
    });
    expect(text).toBe(direct.choices[0]!.message.content);
    const audit = await fetch(`${upstream.server.url}/v1/audit?limit=5`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const { data } = (await audit.json()) as { data: { actor: string }[] };
    // The upstream knew the primary by its key: the configured key was sent.
    expect(data.map((event) => event.actor)).toContain(`key:primary (${clinician.id})`);
    expect(model).toMatchObject({
      provider: 'openai-compatible',
      modelId: 'pathlens/tiny-chat',
      demo: false,
      contextLengthTokens: 4096,
    });
  });

  it('counts tokens with the local tokenizer of CHAT_MODEL when present, else with a documented estimate', async () => {
    const tokenizer = await loadTokenCounter({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-chat' });
    expect(tokenizer.source).toBe('tokenizer pathlens/tiny-chat');
    expect(model.countTokens('dense purple nuclei')).toBe(tokenizer.countTokens('dense purple nuclei'));
    const estimate = await loadTokenCounter({ modelsDir: inject('modelsDir'), modelId: 'someone/not-downloaded' });
    expect(estimate.source).toBe('estimate');
    expect(estimate.countTokens('dense purple nuclei')).toBe(estimateTokens('dense purple nuclei'));
    expect(estimateTokens('twelve chars')).toBe(4);
  });

  it('maps upstream errors to ours: unknown model and an unreachable server are upstream_error', async () => {
    const unknownModel = await loadLanguageModel({ ...settings(), model: 'no-such-model' });
    const notFound = await collect(unknownModel.generate(question)).catch((error: unknown) => error);
    expect(PathLensError.is(notFound, 'upstream_error')).toBe(true);
    expect((notFound as PathLensError).message).toContain('CHAT_UPSTREAM_MODEL');
    expect((notFound as PathLensError).details.upstreamStatus).toBe(404);

    const unreachable = await loadLanguageModel({
      ...settings(),
      baseUrl: `http://127.0.0.1:${await closedPort()}/v1`,
    });
    const refused = await collect(unreachable.generate(question)).catch((error: unknown) => error);
    expect(PathLensError.is(refused, 'upstream_error')).toBe(true);
    expect((refused as PathLensError).message).toMatch(/Cannot reach .*CHAT_BASE_URL/);
  });

  it('turns a busy upstream’s 429 into queue_full with its retry-after, and a cancelled request closes the upstream one', async () => {
    const upstreamQueue = upstreamRuntime.languageModel.queue;
    const busy = upstreamQueue.join(); // the upstream model is generating for someone else
    const before = upstreamQueue.stats();
    const cancel = new AbortController();
    const waiting = collect(model.generate({ ...question, signal: cancel.signal }));
    // CHAT_QUEUE_SIZE=1 there: now full
    await until(() => upstreamQueue.stats().waiting === 1, 'the request to wait upstream');

    const refused = await collect(model.generate(question)).catch((error: unknown) => error);
    expect(PathLensError.is(refused, 'queue_full')).toBe(true);
    expect((refused as PathLensError).details.retryAfterSeconds).toBeGreaterThanOrEqual(1);

    cancel.abort();
    expect((await waiting).finish).toMatchObject({ finishReason: 'cancelled' });
    await until(() => upstreamQueue.stats().waiting === 0, 'the upstream to see the disconnect');
    expect(upstreamQueue.stats().abandoned).toBe(before.abandoned + 1);
    busy.leave();
    expect(model.queue.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  describe('the same chat through PathLens, by configuration only', () => {
    let primary: Awaited<ReturnType<typeof startTestServer>>;
    let slideId: string;
    let fixtureDir: string;

    beforeAll(async () => {
      primary = await startTestServer({
        chatProvider: 'openai-compatible',
        chatBaseUrl: `${upstream.server.url}/v1`,
        chatUpstreamModel: 'pathlens/tiny-chat',
        chatApiKey: clinician.key,
      });
      fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-upstream-'));
      const file = path.join(fixtureDir, 'two-stain.png');
      await writeTwoStainSlide(file, { widthPx: 896, heightPx: 448 });
      slideId = (await uploadAndIngest(primary.server.url, file)).id;
    });
    afterAll(async () => {
      await primary?.dispose();
      await rm(fixtureDir, { recursive: true, force: true });
    });

    it('streams a grounded chat whose evidence comes from this server and whose words come from the upstream model', async () => {
      const client = new OpenAI({ apiKey: 'client-key', baseURL: `${primary.server.url}/v1`, maxRetries: 0 });
      const upstreamStarted = upstreamRuntime.languageModel.queue.stats().started;
      const stream = await client.chat.completions.create({
        model: 'pathlens',
        stream: true,
        max_tokens: 40,
        messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
        ...({ slide_id: slideId } as object),
      });
      const deltas: string[] = [];
      let final: Record<string, any> | undefined;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) deltas.push(delta);
        if (chunk.choices[0]?.finish_reason) final = chunk as unknown as Record<string, any>;
      }
      expect(deltas.length).toBeGreaterThan(3);
      expect(final!.model).toBe('pathlens/tiny-chat');
      expect(final!.evidence.find((item: { kind: string }) => item.kind === 'patch').slideId).toBe(slideId);
      expect(upstreamRuntime.languageModel.queue.stats().started).toBe(upstreamStarted + 1); // generated upstream

      const models = (await (await fetch(`${primary.server.url}/v1/models`)).json()) as {
        data: Record<string, any>[];
        demo_warning: string | null;
      };
      expect(models.data[0]).toMatchObject({
        id: 'pathlens/tiny-chat',
        provider: 'openai-compatible',
        demo: false,
        owned_by: new URL(upstream.server.url).host,
      });
      // the encoder is a demo model; the upstream chat model is not
      expect(models.demo_warning).not.toContain('tiny-chat');
    });
  });
});
