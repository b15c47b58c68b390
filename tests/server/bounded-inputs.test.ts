import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestServer } from '../helpers/test-server.ts';

type Json = Record<string, any>;

describe('bounded inputs: size limits and invalid text, refused before any work', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;

  const rows = async (table: string) => {
    const result = await test.server.holder.runtime!.store.handle.db.execute(
      sql.raw(`select count(*)::int as count from ${table}`),
    );
    // PGlite answers { rows }, postgres.js an array of rows.
    const list = Array.isArray(result) ? result : (result as unknown as { rows: { count: number }[] }).rows;
    return Number((list as { count: number }[])[0]!.count);
  };
  /**
   * POST a chat message of `repeat` × `unit` characters from another process, as a hostile
   * client would, while asking /healthz every 25 ms from here once that process has built its
   * body (building 100 MB is the client's cost, not the server's). Returns the response and the
   * slowest /healthz answer seen meanwhile: how long any other request was held up.
   */
  const postWhileWatchingHealth = async (prefix: string, unit: string, repeat: number) => {
    const script = `
      const body = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: ${JSON.stringify(prefix)} + ${JSON.stringify(unit)}.repeat(${repeat}) }] }));
      process.stdout.write('ready\\n');
      const response = await fetch(process.argv[1] + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      process.stdout.write(JSON.stringify({ status: response.status, body: await response.json() }));`;
    const client = spawn(process.execPath, ['--input-type=module', '-e', script, baseUrl]);
    let output = '';
    const ready = new Promise<void>((resolve) =>
      client.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready\n')) resolve();
      }),
    );
    const exited = new Promise<void>((resolve) => client.on('close', () => resolve()));
    await ready;
    const { slowestMs, samples } = await watchHealth(exited);
    const { status, body } = JSON.parse(output.slice(output.indexOf('\n') + 1)) as { status: number; body: Json };
    return { status, body, slowestMs, samples };
  };
  /** Ask /healthz every 25 ms until `until` settles: the slowest answer and how many there were. */
  const watchHealth = async (until: Promise<unknown>) => {
    let slowestMs = 0;
    let samples = 0;
    let done = false;
    void until.finally(() => (done = true));
    while (!done) {
      const startedMs = performance.now();
      await fetch(`${baseUrl}/healthz`);
      slowestMs = Math.max(slowestMs, performance.now() - startedMs);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { slowestMs, samples };
  };
  /**
   * The bound on how long a refused request may hold up others: 200 ms (the issue's), plus the
   * slowest /healthz answer seen over 2 s of no attack in this run, when the machine is loaded
   * (shared CI runners): what the server's own work adds is what is measured.
   */
  let allowedStallMs = 200;

  beforeAll(async () => {
    // A low token limit, so a message under the character limits still needs counting to be refused.
    test = await startTestServer({ chatMaxPromptTokens: 1_000 });
    baseUrl = test.server.url;
    const baseline = await watchHealth(new Promise((resolve) => setTimeout(resolve, 2_000)));
    allowedStallMs = 200 + baseline.slowestMs;
    console.log(
      `baseline: slowest /healthz ${baseline.slowestMs.toFixed(0)} ms (load average ${os.loadavg()[0]!.toFixed(1)})`,
    );
  }, 180_000);
  afterAll(async () => test?.dispose());

  it('a 100 MB chat message is refused with 413 while /healthz keeps answering within 200 ms', async () => {
    const result = await postWhileWatchingHealth('', 'a', 100 * 1_048_576);
    expect(result.status).toBe(413);
    expect(result.body.error).toMatchObject({ code: 'payload_too_large' });
    expect(result.body.error.message).toMatch(/over 16 MB \(MAX_JSON_BODY_MEGABYTES\)/);
    expect(result.samples).toBeGreaterThan(0);
    console.log(
      `100 MB chat message: slowest /healthz ${result.slowestMs.toFixed(0)} ms over ${result.samples} samples (load average ${os.loadavg()[0]!.toFixed(1)}, allowed ${allowedStallMs.toFixed(0)} ms)`,
    );
    expect(result.slowestMs).toBeLessThan(allowedStallMs);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200); // the server is still up
  });

  it('a message over the character limits is refused with 413 naming the limit, quoting none of it', async () => {
    const result = await postWhileWatchingHealth('secret-', 'b', 20_000);
    expect(result.status).toBe(413);
    expect(result.body.error.message).toMatch(
      /messages\[0\] has 20007 characters; the limit is 16000 a message \(CHAT_MAX_MESSAGE_CHARACTERS\)/,
    );
    expect(JSON.stringify(result.body)).not.toContain('secret');
    expect(result.slowestMs).toBeLessThan(allowedStallMs);

    // 1 MB: within the body limit (which makes room for pictures), but more characters than the
    // limits allow: refused before any tokenizing, naming the limit.
    const megabyte = await postWhileWatchingHealth('secret-', 'b', 1_048_576);
    expect(megabyte.status).toBe(413);
    expect(megabyte.body.error.message).toMatch(/the limit is \d+ .*\(CHAT_MAX_(MESSAGE|TOTAL)_CHARACTERS\)/);
    expect(JSON.stringify(megabyte.body)).not.toContain('secret');
    expect(megabyte.slowestMs).toBeLessThan(allowedStallMs);

    const many = {
      messages: Array.from({ length: 6 }, (_, index) => ({
        role: index % 2 ? 'assistant' : 'user',
        content: 'c'.repeat(15_000),
      })),
    };
    const total = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(many),
    });
    expect(total.status).toBe(413);
    expect(((await total.json()) as Json).error.message).toMatch(
      /90000 characters in all; the limit is 64000 \(CHAT_MAX_TOTAL_CHARACTERS\)/,
    );
  });

  it('a message under the character limits but over the token limit is counted in bounded chunks and refused', async () => {
    const conversationsBefore = await rows('conversations');
    // 13,600 characters, a few thousand tokens
    const result = await postWhileWatchingHealth('', 'nuclei gland mitosis stroma lumen ', 400);
    expect(result.status).toBe(413);
    expect(result.body.error.message).toMatch(/more than 1000 prompt tokens \(CHAT_MAX_PROMPT_TOKENS\)/);
    expect(result.slowestMs).toBeLessThan(allowedStallMs);
    expect(await rows('conversations')).toBe(conversationsBefore);
  });

  it('NUL and other invalid text in a chat message is a 400 and nothing is written', async () => {
    const conversationsBefore = await rows('conversations');
    const messagesBefore = await rows('messages');
    for (const content of ['where\u0000are the nuclei?', 'bell\u0007', 'broken \uD800 surrogate']) {
      for (const shape of [content, [{ type: 'text', text: content }]]) {
        const response = await fetch(`${baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: shape }] }),
        });
        expect(response.status).toBe(400);
        const error = ((await response.json()) as Json).error;
        expect(error.code).toBe('invalid_request');
        expect(error.message).toMatch(/messages\.0\.content.*(NUL|control character|invalid Unicode)/);
      }
    }
    expect(await rows('conversations')).toBe(conversationsBefore);
    expect(await rows('messages')).toBe(messagesBefore);
  });

  it('NUL in captions, metadata, names, paths and filters is a 400 naming the field, and nothing is stored', async () => {
    const post = (route: string, body: unknown) =>
      fetch(`${baseUrl}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const png = (
      await sharp({ create: { width: 32, height: 32, channels: 3, background: '#8040a0' } })
        .png()
        .toBuffer()
    ).toString('base64');
    const image = `data:image/png;base64,${png}`;
    const attempts: [string, unknown, string][] = [
      ['/v1/pairs', { image, caption: 'nuclei\u0000' }, 'caption'],
      ['/v1/pairs', { image, caption: 'nuclei', source: 'atlas\u0000' }, 'source'],
      ['/v1/pairs', { image, caption: 'nuclei', metadata: { organ: 'colon\u0000' } }, 'metadata.organ'],
      ['/v1/slides', { path: '/slides/a\u0000.svs' }, 'path'],
      ['/v1/slides', { path: '/slides/a.svs', name: 'slide\u0000' }, 'name'],
      ['/v1/slides', { path: '/slides/a.svs', metadata: { organ: 'colon\u0000' } }, 'metadata.organ'],
      ['/v1/search', { q: 'purple\u0000 nuclei' }, 'q'],
      ['/v1/search', { q: 'purple nuclei', organ: 'colon\u0000' }, 'organ'],
      [
        '/v1/reports',
        { slide_id: '00000000-0000-4000-8000-000000000000', clinical_context: 'polyp\u0000' },
        'clinical_context',
      ],
    ];
    for (const [route, body, field] of attempts) {
      const response = await post(route, body);
      expect(response.status, `${route} ${field}`).toBe(400);
      const error = ((await response.json()) as Json).error;
      expect(error.message).toContain(field);
      expect(error.message).toMatch(/NUL byte; send plain text/);
    }
    for (const table of ['image_text_pairs', 'slides', 'reports']) expect(await rows(table)).toBe(0);
    expect(await readdir(test.dataDir)).not.toContain('pairs');
  });
});
