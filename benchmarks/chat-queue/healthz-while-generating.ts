/**
 * How long `/healthz` takes to answer while three local chats generate, with the model in a
 * worker thread (CHAT_THREAD=worker, the default) and on the server's main thread
 * (CHAT_THREAD=main), interleaved; and with no chat running, as the reference. A real server
 * on the generated tiny models (the demo chat model: its tokens are cheap, so a real model
 * blocks the main thread far longer per token than this shows).
 *
 *   npx tsx benchmarks/chat-queue/healthz-while-generating.ts [--rounds 2] [--max-tokens 200]
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
  options: { rounds: { type: 'string', default: '2' }, 'max-tokens': { type: 'string', default: '200' } },
});
const root = await mkdtemp(path.join(os.tmpdir(), 'pathlens-healthz-bench-'));
const modelsDir = path.join(root, 'models');
await ensureTinyModels({ modelsDir });
const slideFile = path.join(root, 'two-stain.png');
await writeTwoStainSlide(slideFile, { widthPx: 896, heightPx: 448 });

console.log(
  `${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(2)}; 3 streamed chats of up to ${values['max-tokens']} tokens each`,
);
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const chatThread of ['worker', 'main'] as const) {
      const config = loadConfig({
        explicit: {
          port: 0,
          dataDir: path.join(root, `data-${chatThread}-${round}`),
          modelsDir,
          imageTextEncoder: 'pathlens/tiny-clip',
          chatModel: 'pathlens/tiny-chat',
          pullModels: 'false',
          chatThread,
        },
        environment: {},
      });
      const server = await startServer(config, silentLogger);
      try {
        await server.ready;
        const slide = await uploadAndIngest(server.url, slideFile);
        const chat = (maxTokens: number) =>
          fetch(`${server.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
              slide_id: slide.id,
              max_tokens: maxTokens,
              stream: true,
              temperature: 0.8,
            }),
          }).then((response) => response.arrayBuffer());
        await chat(10); // warm-up: label-set embeddings and the model's first run
        const idle = await pollHealthz(server.url, () => false, 40);
        let chatsDone = false;
        const chats = Promise.all([0, 1, 2].map(() => chat(Number(values['max-tokens'])))).finally(
          () => (chatsDone = true),
        );
        const busy = await pollHealthz(server.url, () => chatsDone, Infinity);
        await chats;
        const describe = (latencies: number[]) => {
          const sorted = [...latencies].sort((a, b) => a - b);
          return `p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p95 ${percentile(sorted, 0.95).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms (${sorted.length} requests)`;
        };
        console.log(
          `round ${round}, CHAT_THREAD=${chatThread}: /healthz idle ${describe(idle)}; while 3 chats generate ${describe(busy)} (load average ${os.loadavg()[0]!.toFixed(2)})`,
        );
      } finally {
        await server.close();
      }
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

/** `/healthz` one request after another (20 ms apart) until `stop()` says so or `limit` requests; each one's latency in
 * ms.
 */
async function pollHealthz(baseUrl: string, stop: () => boolean, limit: number): Promise<number[]> {
  const latencies: number[] = [];
  while (!stop() && latencies.length < limit) {
    const startedMs = performance.now();
    await fetch(`${baseUrl}/healthz`).then((response) => response.arrayBuffer());
    latencies.push(performance.now() - startedMs);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return latencies;
}
