/**
 * Load and soak: a real PathLens server on loopback (tiny generated models, embedded store,
 * REQUIRE_API_KEYS=true) under mixed traffic for a fixed time, every request with a role's key:
 * searches, chats, report drafts, slide ingestion (several uploads), library imports. Prints
 * throughput, p50/p95/p99 per route, 429s, 5xx and errors, RSS over time and the load average;
 * then checks that every accepted write is in the database exactly once. Exits 1 on a 5xx, a
 * network error or a lost/duplicated write. Bounded: --duration-s, --max-requests, --slides.
 *
 * npx tsx benchmarks/load/load-soak.ts [--duration-s 60] [--clients 4] [--slides 4] [--rate-limit 30] [--max-requests
 * 20000]
 */
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { eq, inArray, like, lt, sql } from 'drizzle-orm';
import { loadConfig, silentLogger } from '@pathlens/core';
import { ensureTinyModels } from '@pathlens/models';
import { createApiKey, startServer } from '@pathlens/server';
import {
  auditEvents,
  conversations,
  imageTextPairs,
  messages,
  openStore,
  reports,
  slides,
  type ApiKeyRole,
} from '@pathlens/store';
import { writeTwoStainSlide } from '../../tests/helpers/stain-fixtures.ts';
import { Latencies, MemoryTimeline } from './load-statistics.ts';

const { values } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '60' },
    clients: { type: 'string', default: '4' },
    slides: { type: 'string', default: '4' },
    'rate-limit': { type: 'string', default: '30' },
    'max-requests': { type: 'string', default: '20000' },
    'max-tokens': { type: 'string', default: '16' },
  },
});
const durationMs = Number(values['duration-s']) * 1000;
const clientCount = Number(values.clients);
const slideBudget = Number(values.slides);
const maxRequests = Number(values['max-requests']);
const maxTokens = Number(values['max-tokens']);

const root = await mkdtemp(path.join(os.tmpdir(), 'pathlens-load-'));
const modelsDir = path.join(root, 'models');
const dataDir = path.join(root, 'data');
await ensureTinyModels({ modelsDir });
const settings = {
  port: 0,
  host: '127.0.0.1',
  dataDir,
  modelsDir,
  imageTextEncoder: 'pathlens/tiny-clip',
  chatModel: 'pathlens/tiny-chat',
  pullModels: 'false',
};
const config = loadConfig({
  explicit: { ...settings, requireApiKeys: 'true', rateLimitPerMinute: values['rate-limit'] },
  environment: {},
});

// Keys first, on the database directly (as `pathlens keys create` does with no server running).
const keys = {} as Record<ApiKeyRole, string>;
{
  const store = await openStore({ dataDir });
  for (const role of ['admin', 'clinician', 'educator', 'service'] as const)
    keys[role] = (await createApiKey(store, { name: `load ${role}`, role })).key;
  await store.close();
}

const slideFiles: string[] = [];
for (let index = 0; index <= slideBudget; index += 1) {
  const file = path.join(root, `slide-${index}.png`);
  await writeTwoStainSlide(file, { widthPx: 448 + 32 * index, heightPx: 448 });
  slideFiles.push(file);
}

const server = await startServer(config, silentLogger);
await server.ready;
const base = server.url;
const call = (role: ApiKeyRole, route: string, init: RequestInit = {}) =>
  fetch(base + route, {
    ...init,
    headers: { authorization: `Bearer ${keys[role]}`, ...(init.headers as Record<string, string>) },
  });
const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function upload(file: string): Promise<Response> {
  const form = new FormData();
  form.append('file', await openAsBlob(file), path.basename(file));
  form.append('mpp', '0.5');
  return call('service', '/v1/slides', { method: 'POST', body: form });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const slideStatus = async (id: string) =>
  ((await (await call('service', `/v1/slides/${id}`)).json()) as { status: string }).status;
const firstSlide = (await (await upload(slideFiles[0]!)).json()) as { id: string };
await waitUntil(async () => (await slideStatus(firstSlide.id)) === 'ready', 'the first slide');

/** What the server accepted, to find in the database afterwards. */
const accepted = {
  slides: [firstSlide.id],
  conversations: [] as string[],
  reports: [] as string[],
  imports: [] as { id: string; captions: string[] }[],
};
const latencies = new Latencies();
const memory = new MemoryTimeline();
let uploadsLeft = slideBudget;
let importCounter = 0;
let requestsStarted = 0;
const letters = (value: number) =>
  value.toString(26).replace(/./g, (digit) => String.fromCharCode(97 + parseInt(digit, 26)));

/** `available` false: not chosen any more (the slide budget is spent). */
type Action = { route: string; weight: number; available?: () => boolean; run(): Promise<Response> };
const actions: Action[] = [
  {
    route: 'GET /v1/search',
    weight: 30,
    run: () => call('clinician', `/v1/search?q=${encodeURIComponent('purple nuclei')}&k=5`),
  },
  {
    route: 'GET /v1/search/captions',
    weight: 15,
    run: () => call('educator', `/v1/search/captions?q=${encodeURIComponent('pink collagen')}&k=5`),
  },
  { route: 'GET /v1/slides/:id', weight: 10, run: () => call('clinician', `/v1/slides/${firstSlide.id}`) },
  {
    route: 'POST /v1/chat/completions',
    weight: 20,
    run: () =>
      call(
        'clinician',
        '/v1/chat/completions',
        json({
          messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
          slide_id: firstSlide.id,
          max_tokens: maxTokens,
          temperature: 0,
        }),
      ),
  },
  {
    route: 'POST /v1/reports',
    weight: 8,
    run: () => call('service', '/v1/reports', json({ slide_id: firstSlide.id })),
  },
  {
    route: 'POST /v1/slides',
    weight: 4,
    available: () => uploadsLeft > 0,
    run: async () => {
      uploadsLeft -= 1;
      return upload(slideFiles[slideBudget - uploadsLeft]!);
    },
  },
  {
    route: 'POST /v1/pairs/import',
    weight: 8,
    run: () => {
      const tag = letters((importCounter += 1));
      const captions = Array.from(
        { length: 5 },
        (_, row) => `loadcaption ${tag} row ${letters(row + 1)} pink collagen`,
      );
      const form = new FormData();
      form.append('file', new Blob([`caption\n${captions.join('\n')}\n`]), `load-${tag}.csv`);
      form.append('text_only', 'true');
      pendingCaptions.set(tag, captions);
      return call('educator', '/v1/pairs/import', { method: 'POST', body: form }).then((response) =>
        Object.assign(response, { tag }),
      );
    },
  },
];
const pendingCaptions = new Map<string, string[]>();
const pick = () => {
  const choices = actions.filter((action) => action.available?.() ?? true);
  let ticket = Math.random() * choices.reduce((sum, action) => sum + action.weight, 0);
  return choices.find((action) => (ticket -= action.weight) < 0) ?? choices[0]!;
};

async function remember(route: string, response: Response & { tag?: string }): Promise<void> {
  const body = (await response.json().catch(() => null)) as Record<string, any> | null;
  if (response.status >= 300 || !body) return;
  if (route === 'POST /v1/slides' && body.id && response.status === 202) accepted.slides.push(body.id);
  if (route === 'POST /v1/chat/completions') accepted.conversations.push(body.conversation_id);
  if (route === 'POST /v1/reports') accepted.reports.push(body.id);
  if (route === 'POST /v1/pairs/import' && response.tag)
    accepted.imports.push({ id: body.id, captions: pendingCaptions.get(response.tag)! });
}

const startedMs = performance.now();
const deadlineMs = startedMs + durationMs;
memory.start(5_000);
await Promise.all(
  Array.from({ length: clientCount }, async () => {
    while (performance.now() < deadlineMs && requestsStarted < maxRequests) {
      requestsStarted += 1;
      const action = pick();
      const began = performance.now();
      try {
        const response = await action.run();
        await remember(action.route, response);
        latencies.record(action.route, response.status, performance.now() - began);
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        latencies.recordError(
          action.route,
          `${(error as Error).message} (${cause?.code ?? cause?.message ?? 'no cause'})`,
        );
      }
    }
  }),
);
const elapsedS = (performance.now() - startedMs) / 1000;
memory.stop();

// Let accepted background work finish, then look in the database.
await waitUntil(
  async () =>
    (await Promise.all(accepted.slides.map(slideStatus))).every((status) => status === 'ready' || status === 'failed'),
  'ingestion',
);
await waitUntil(
  async () =>
    (
      await Promise.all(
        accepted.imports.map(
          async (job) =>
            ((await (await call('educator', `/v1/pairs/imports/${job.id}`)).json()) as { status: string }).status,
        ),
      )
    ).every((status) => status === 'finished' || status === 'failed'),
  'imports',
);
await server.close();
const store = await openStore({ dataDir });
const problems: string[] = [];
const countBy = async (table: typeof slides | typeof conversations | typeof reports, ids: string[]) => {
  if (ids.length === 0) return new Map<string, number>();
  const rows = await store.handle.db
    .select({ id: table.id, count: sql<number>`count(*)::int` })
    .from(table)
    .where(inArray(table.id, ids))
    .groupBy(table.id);
  return new Map(rows.map((row) => [row.id, row.count]));
};
for (const [what, table, ids] of [
  ['slide', slides, accepted.slides],
  ['conversation', conversations, accepted.conversations],
  ['report', reports, accepted.reports],
] as const) {
  const counts = await countBy(table, [...ids]);
  for (const id of ids) if (counts.get(id) !== 1) problems.push(`${what} ${id}: ${counts.get(id) ?? 0} rows`);
  if (new Set(ids).size !== ids.length) problems.push(`${what}: the server returned one id twice`);
}
const failedSlides = await store.handle.db.select({ id: slides.id }).from(slides).where(eq(slides.status, 'failed'));
if (failedSlides.length) problems.push(`${failedSlides.length} slide(s) failed`);
for (const conversationId of accepted.conversations) {
  const [row] = await store.handle.db
    .select({ count: sql<number>`count(*)::int` })
    .from(messages)
    .where(eq(messages.conversationId, conversationId));
  if (row?.count !== 2)
    problems.push(`conversation ${conversationId}: ${row?.count} messages, expected question and answer`);
}
const captionRows = await store.handle.db
  .select({ caption: imageTextPairs.caption, count: sql<number>`count(*)::int` })
  .from(imageTextPairs)
  .where(like(imageTextPairs.caption, 'loadcaption %'))
  .groupBy(imageTextPairs.caption);
const captionCounts = new Map(captionRows.map((row) => [row.caption, row.count]));
for (const job of accepted.imports)
  for (const caption of job.captions)
    if (captionCounts.get(caption) !== 1)
      problems.push(`import ${job.id}: "${caption}" stored ${captionCounts.get(caption) ?? 0} times`);
const audited = await store.handle.db
  .select({ action: auditEvents.action, count: sql<number>`count(*)::int` })
  .from(auditEvents)
  .where(lt(auditEvents.status, 300))
  .groupBy(auditEvents.action);
const auditCount = (action: string) => audited.find((row) => row.action === action)?.count ?? 0;
if (auditCount('chat') !== accepted.conversations.length)
  problems.push(`audit: ${auditCount('chat')} served chats audited, ${accepted.conversations.length} served`);
if (auditCount('report') !== accepted.reports.length)
  problems.push(`audit: ${auditCount('report')} served reports audited, ${accepted.reports.length} served`);
await store.close();
await rm(root, { recursive: true, force: true });

console.log(
  `\nload-soak: ${clientCount} clients for ${elapsedS.toFixed(1)} s, keys required (4 roles), RATE_LIMIT_PER_MINUTE=${values['rate-limit']}, load average at end ${os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')} (${os.cpus().length} CPUs)`,
);
console.log(latencies.table(elapsedS));
console.log(`\nRSS over time (MB, every 5 s): ${memory.summary()}`);
console.log(
  `\naccepted writes: ${accepted.slides.length} slides, ${accepted.conversations.length} chats, ${accepted.reports.length} reports, ${accepted.imports.length} imports (${accepted.imports.length * 5} captions)`,
);
const serverErrors = latencies.serverErrors();
console.log(
  `5xx: ${serverErrors}; network errors: ${latencies.errorCount()}${latencies.errorSample() ? ` (${latencies.errorSample()})` : ''}`,
);
console.log(
  problems.length
    ? `DATABASE CHECK FAILED:\n  ${problems.slice(0, 20).join('\n  ')}`
    : 'database check: every accepted write is stored exactly once',
);
if (problems.length || serverErrors || latencies.errorCount()) process.exitCode = 1;
