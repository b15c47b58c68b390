/**
 * The chat queue under load: a real PathLens server on the generated tiny models, one ingested
 * fixture slide, and bursts of concurrent non-streamed chats for several CHAT_QUEUE_SIZE values.
 * Prints, per run: how many were served and refused (429), latencies, the retry-after values,
 * the most generations ever running at once, and the server process's memory.
 *
 *   npx tsx benchmarks/chat-queue/chat-queue-load.ts [--concurrency 10,20] [--queue-sizes 0,3,8] [--max-tokens 60]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, silentLogger } from '@pathlens/core';
import { ensureTinyModels } from '@pathlens/models';
import { startServer } from '@pathlens/server';
import { uploadAndIngest } from '../../tests/server/chat-test-slides.ts';
import { writeTwoStainSlide } from '../../tests/helpers/stain-fixtures.ts';
import { percentile } from '../shared/percentile.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '10,20' },
    'queue-sizes': { type: 'string', default: '0,3,8' },
    'max-tokens': { type: 'string', default: '60' },
  },
});
const concurrencies = values.concurrency.split(',').map(Number);
const queueSizes = values['queue-sizes'].split(',').map(Number);
const maxTokens = Number(values['max-tokens']);

const root = await mkdtemp(path.join(os.tmpdir(), 'pathlens-queue-bench-'));
const modelsDir = path.join(root, 'models');
await ensureTinyModels({ modelsDir });
const slideFile = path.join(root, 'two-stain.png');
await writeTwoStainSlide(slideFile, { widthPx: 896, heightPx: 448 });

const rows: string[][] = [
  [
    'queue size',
    'concurrent',
    'served',
    '429',
    'served p50 ms',
    'served p95 ms',
    '429 max ms',
    'retry-after s',
    'peak running',
    'RSS MB before→after',
  ],
];

try {
  for (const queueSize of queueSizes) {
    const dataDir = path.join(root, `data-${queueSize}`);
    const config = loadConfig({
      explicit: {
        port: 0,
        dataDir,
        modelsDir,
        imageTextEncoder: 'pathlens/tiny-clip',
        chatModel: 'pathlens/tiny-chat',
        pullModels: 'false',
        chatQueueSize: queueSize,
      },
      environment: {},
    });
    const server = await startServer(config, silentLogger);
    await server.ready;
    try {
      const slide = await uploadAndIngest(server.url, slideFile);
      const queue = server.holder.runtime!.languageModel.queue;
      // One warm-up chat: label-set embeddings and the model's first run are not part of the measurement.
      await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          messages: [{ role: 'user', content: 'purple nuclei?' }],
          slide_id: slide.id,
          max_tokens: 10,
        }),
      }).then((response) => response.arrayBuffer());
      for (const concurrency of concurrencies) {
        const rssBefore = process.memoryUsage().rss;
        const results = await Promise.all(
          Array.from({ length: concurrency }, async () => {
            const started = performance.now();
            const response = await fetch(`${server.url}/v1/chat/completions`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
                slide_id: slide.id,
                max_tokens: maxTokens,
                temperature: 0,
              }),
            });
            await response.arrayBuffer();
            return {
              status: response.status,
              ms: performance.now() - started,
              retryAfter: response.headers.get('retry-after'),
            };
          }),
        );
        const served = results
          .filter((result) => result.status === 200)
          .map((result) => result.ms)
          .sort((a, b) => a - b);
        const refused = results.filter((result) => result.status === 429);
        const other = results.filter((result) => result.status !== 200 && result.status !== 429);
        if (other.length) throw new Error(`unexpected statuses: ${other.map((result) => result.status).join(', ')}`);
        const retryAfters = [...new Set(refused.map((result) => result.retryAfter))].join('/') || '—';
        rows.push([
          String(queueSize),
          String(concurrency),
          String(served.length),
          String(refused.length),
          percentile(served, 0.5).toFixed(0),
          percentile(served, 0.95).toFixed(0),
          refused.length ? Math.max(...refused.map((result) => result.ms)).toFixed(0) : '—',
          retryAfters,
          String(queue.stats().peakRunning),
          `${(rssBefore / 1_048_576).toFixed(0)}→${(process.memoryUsage().rss / 1_048_576).toFixed(0)}`,
        ]);
      }
    } finally {
      await server.close();
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
console.log(
  `chat queue under load: tiny models, max_tokens ${maxTokens}, ${os.cpus().length} CPUs, Node ${process.version}`,
);
for (const row of rows)
  console.log(
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  '),
  );
