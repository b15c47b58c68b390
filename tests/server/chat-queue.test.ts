import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '@pathlens/server';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { uploadAndIngest } from './chat-test-slides.ts';

const queueSize = 3;

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the chat queue under load, cancellation, and the audit trail', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let runtime: Runtime;
  let slideId: string;
  let fixtureDir: string;
  let admin: { key: string; id: string };
  let clinician: { key: string; id: string };
  const asAdmin = () => ({ headers: { authorization: `Bearer ${admin.key}` } });

  beforeAll(async () => {
    test = await startTestServer({ chatQueueSize: queueSize, rateLimitPerMinute: 0 });
    baseUrl = test.server.url;
    runtime = test.server.holder.runtime!;
    fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-queue-'));
    const file = path.join(fixtureDir, 'two-stain.png');
    await writeTwoStainSlide(file, { widthPx: 896, heightPx: 448 });
    slideId = (await uploadAndIngest(baseUrl, file)).id;
    // From the first key on, every call needs one: chats are a clinician's, the audit trail an admin's.
    const createKey = async (role: string, headers: Record<string, string> = {}) =>
      (await (
        await fetch(`${baseUrl}/v1/keys`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ name: role, role }),
        })
      ).json()) as { key: string; id: string };
    admin = await createKey('admin');
    clinician = await createKey('clinician', { authorization: `Bearer ${admin.key}` });
  });
  afterAll(async () => {
    await test?.dispose();
    await rm(fixtureDir, { recursive: true, force: true });
  });

  const chat = (body: Record<string, unknown>, init: RequestInit = {}) =>
    fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${clinician.key}` },
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
        slide_id: slideId,
        max_tokens: 30,
        ...body,
      }),
      ...init,
    });

  it(`under 10 concurrent chats, ${queueSize} wait their turn and the rest get 429 with retry-after at once; one model instance serves them in order`, async () => {
    const model = runtime.languageModel;
    const before = model.queue.stats();
    const busy = model.queue.join(); // a long generation in progress
    const responses: Response[] = [];
    const all = Array.from({ length: 10 }, () => chat({}).then((response) => (responses.push(response), response)));

    // The requests past the line are answered while the model is still busy.
    await until(() => responses.length === 10 - queueSize, 'the refused requests');
    expect(model.queue.stats()).toMatchObject({
      running: 1,
      waiting: queueSize,
      rejected: before.rejected + 10 - queueSize,
    });
    for (const refused of responses) {
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const { error } = (await refused.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('queue_full');
      expect(error.message).toContain('CHAT_QUEUE_SIZE');
    }

    busy.leave();
    const served = (await Promise.all(all)).filter((response) => response.status === 200);
    expect(served).toHaveLength(queueSize);
    for (const response of served) {
      const body = (await response.json()) as { choices: { message: { content: string } }[]; evidence: unknown[] };
      expect(body.choices[0]!.message.content).toMatch(/\[\d+\]/);
      expect(body.evidence.length).toBeGreaterThan(0);
    }
    expect(runtime.languageModel).toBe(model);
    expect(model.queue.stats()).toMatchObject({
      running: 0,
      waiting: 0,
      peakRunning: 1,
      started: before.started + 1 + queueSize,
    });
  });

  it('under an unforced burst of 10, every request is served or refused with 429, never run twice at once', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () =>
        chat({ max_tokens: 20 }).then(async (response) => (await response.arrayBuffer(), response.status)),
      ),
    );
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(queueSize + 1);
    expect(runtime.languageModel.queue.stats()).toMatchObject({ running: 0, waiting: 0, peakRunning: 1 });
  });

  it('a streamed chat whose client disconnects while it waits leaves the queue; the model never runs it', async () => {
    const queue = runtime.languageModel.queue;
    const busy = queue.join();
    const before = queue.stats();
    const disconnect = new AbortController();
    // Headers go out with the first token, so nothing has arrived yet while the request waits.
    const pending = chat({ stream: true }, { signal: disconnect.signal }).catch((error: unknown) => error);
    await until(() => queue.stats().waiting === 1, 'the request to queue');
    disconnect.abort();
    expect(await pending).toBeInstanceOf(Error);
    await until(() => queue.stats().waiting === 0, 'the disconnected request to leave the queue');
    expect(queue.stats().abandoned).toBe(before.abandoned + 1);
    busy.leave();
    expect(queue.stats().started).toBe(before.started); // no turn was granted to it
  });

  it('a non-streamed chat whose client disconnects stops as well', async () => {
    const queue = runtime.languageModel.queue;
    const busy = queue.join();
    const before = queue.stats();
    const disconnect = new AbortController();
    const pending = chat({}, { signal: disconnect.signal }).catch((error: unknown) => error);
    await until(() => queue.stats().waiting === 1, 'the request to queue');
    disconnect.abort();
    expect(await pending).toBeInstanceOf(Error);
    await until(() => queue.stats().waiting === 0, 'the disconnected request to leave the queue');
    busy.leave();
    expect(queue.stats()).toMatchObject({ abandoned: before.abandoned + 1, started: before.started });
  });

  it('audits every chat: when, who (the key name and id), which slide, model, evidence, how long, and the status', async () => {
    await until(async () => {
      const { data } = (await (await fetch(`${baseUrl}/v1/audit?action=chat&limit=1000`, asAdmin())).json()) as {
        data: { status: number }[];
      };
      return data.filter((event) => event.status === 499).length >= 2;
    }, 'the cancelled chats to be audited');
    const { data } = (await (await fetch(`${baseUrl}/v1/audit?action=chat&limit=1000`, asAdmin())).json()) as {
      data: Record<string, any>[];
    };
    const actor = `key:clinician (${clinician.id})`;
    const served = data.filter((event) => event.status === 200);
    expect(served.length).toBeGreaterThanOrEqual(2 * queueSize);
    for (const event of served) {
      expect(event).toMatchObject({
        object: 'audit_event',
        actor,
        action: 'chat',
        slide_id: slideId,
        model: 'pathlens/tiny-chat',
      });
      expect(event.conversation_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(event.evidence_ids).toEqual(
        expect.arrayContaining([expect.stringMatching(/^patch:\d+$/), `slide-facts:${slideId}`]),
      );
      expect(event.duration_ms).toBeGreaterThanOrEqual(0);
      expect(Date.parse(event.at)).toBeLessThanOrEqual(Date.now());
    }
    expect(data.filter((event) => event.status === 429).length).toBeGreaterThanOrEqual(10 - queueSize);
    const ordered = data.map((event) => Date.parse(event.at));
    expect(ordered).toEqual([...ordered].sort((a, b) => b - a));

    const invalid = await chat({ messages: [], slide_id: undefined });
    expect(invalid.status).toBe(400);
    const [latest] = (
      (await (await fetch(`${baseUrl}/v1/audit?limit=1`, asAdmin())).json()) as { data: Record<string, any>[] }
    ).data;
    expect(latest).toMatchObject({ actor, status: 400, slide_id: null });
    expect(JSON.stringify(latest)).not.toContain(clinician.key);
  });

  it('serves the audit trail to admin keys only', async () => {
    const response = await fetch(`${baseUrl}/v1/audit`, { headers: { authorization: `Bearer ${clinician.key}` } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await fetch(`${baseUrl}/v1/audit`)).status).toBe(401);
    expect((await fetch(`${baseUrl}/v1/audit`, asAdmin())).status).toBe(200);
  });
});
