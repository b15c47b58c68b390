import { createServer, type Server } from 'node:http';

/**
 * An OpenAI-compatible chat server over real HTTP whose model always writes `answer`: it plays
 * an upstream model that states numbers no evidence gives (a size, a percentage), which the
 * tiny local model never writes. Records the requests it got.
 */
export async function startNumberWritingUpstream(
  answer: string,
): Promise<{ url: string; requests: unknown[]; close(): Promise<void> }> {
  const requests: unknown[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      requests.push(JSON.parse(body || '{}'));
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
        `data: ${JSON.stringify({ id: 'up', object: 'chat.completion.chunk', created: 0, model: 'number-writer', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
      for (const word of answer.split(/(?<= )/)) response.write(chunk({ content: word }, null));
      response.write(chunk({}, 'stop'));
      response.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
