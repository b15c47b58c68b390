import { lookup } from 'node:dns/promises';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  findModelEntry,
  loadModelManifest,
  pullModel,
  type ModelManifestEntry,
  type PullProgress,
} from '@pathlens/models';

const entry: ModelManifestEntry = {
  id: 'owner/remote-model',
  task: 'chat',
  source: { kind: 'huggingface', repository: 'owner/remote-model' },
  dtype: 'fp32',
  contextLengthTokens: 128,
  files: ['config.json', 'onnx/model.onnx'],
  description: 'test',
  demo: false,
};

const served: Record<string, Buffer> = {
  '/owner/remote-model/resolve/main/config.json': Buffer.from('{"model_type":"qwen2"}'),
  '/owner/remote-model/resolve/main/onnx/model.onnx': Buffer.alloc(200_000, 7),
};

/** Rejects with the error, and how long the call took. */
async function failure(
  promise: Promise<unknown>,
): Promise<{ error: { code?: string; message: string; details?: Record<string, unknown> }; elapsedMs: number }> {
  const startedAt = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as { code?: string; message: string }, elapsedMs: performance.now() - startedAt };
  }
  throw new Error('expected the pull to fail');
}

describe('pullModel', () => {
  let modelsDir: string;
  let server: http.Server;
  let baseUrl: string;
  let behaviour: 'serve' | 'silent' | 'truncate' | 'stall' = 'serve';

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      if (behaviour === 'silent') return; // accept the connection, never answer
      const body = served[request.url ?? ''];
      if (!body) return void response.writeHead(404).end('not found');
      response.writeHead(200, { 'content-length': String(body.length) });
      if (behaviour === 'stall') return void response.write(body.subarray(0, 10)); // then silence
      if (behaviour === 'truncate') {
        response.write(body.subarray(0, 10));
        return void setTimeout(() => response.destroy(), 50);
      }
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(async () => {
    behaviour = 'serve';
    modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pathlens-pull-'));
  });
  afterEach(async () => {
    await fs.rm(modelsDir, { recursive: true, force: true });
  });

  it('downloads every listed file into MODELS_DIR/<id>, reporting progress', async () => {
    const progress: PullProgress[] = [];
    const result = await pullModel({ modelsDir, entry, baseUrl, onProgress: (report) => progress.push(report) });
    expect(result.downloadedFiles).toEqual(['config.json', 'onnx/model.onnx']);
    const folder = path.join(modelsDir, 'owner', 'remote-model');
    expect(await fs.readFile(path.join(folder, 'onnx/model.onnx'))).toEqual(
      served['/owner/remote-model/resolve/main/onnx/model.onnx'],
    );
    const modelReports = progress.filter((report) => report.file === 'onnx/model.onnx');
    expect(modelReports.at(-1)).toEqual({ file: 'onnx/model.onnx', receivedBytes: 200_000, totalBytes: 200_000 });
    expect(modelReports.map((report) => report.receivedBytes)).toEqual(
      [...modelReports.map((report) => report.receivedBytes)].sort((a, b) => a - b),
    );
    expect(await fs.readdir(path.join(folder, 'onnx'))).toEqual(['model.onnx']);
  });

  it('skips files that are already present', async () => {
    await pullModel({ modelsDir, entry, baseUrl });
    const result = await pullModel({ modelsDir, entry, baseUrl });
    expect(result).toMatchObject({ downloadedFiles: [], skippedFiles: ['config.json', 'onnx/model.onnx'] });
  });

  it('leaves nothing under the final name when the connection drops mid-file', async () => {
    behaviour = 'truncate';
    const progress: PullProgress[] = [];
    const { error } = await failure(
      pullModel({ modelsDir, entry, baseUrl, onProgress: (report) => progress.push(report) }),
    );
    expect(error.code).toBe('model_download_failed');
    expect(progress.at(-1)).toEqual({ file: 'config.json', receivedBytes: 10, totalBytes: 22 });
    await expect(fs.readdir(path.join(modelsDir, 'owner', 'remote-model'))).resolves.toEqual([]);
  });

  it('fails fast when the host cannot be resolved, saying how to install offline', async () => {
    const { error, elapsedMs } = await failure(
      pullModel({ modelsDir, entry, baseUrl: 'https://pathlens-offline.invalid' }),
    );
    expect(error.code).toBe('model_download_failed');
    expect(error.message).toContain('Could not reach pathlens-offline.invalid');
    expect(error.message).toContain('MODELS_DIR/owner/remote-model');
    expect(error.message).toContain('`pathlens models pull owner/remote-model`');
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('fails fast when nothing listens', async () => {
    const { error, elapsedMs } = await failure(pullModel({ modelsDir, entry, baseUrl: 'http://127.0.0.1:9' }));
    expect(error.code).toBe('model_download_failed');
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('gives up when the server accepts but never answers', async () => {
    behaviour = 'silent';
    const { error, elapsedMs } = await failure(pullModel({ modelsDir, entry, baseUrl, firstResponseTimeoutMs: 300 }));
    expect(error).toMatchObject({ code: 'model_download_failed', details: { reason: 'timeout' } });
    expect(elapsedMs).toBeLessThan(3_000);
  });

  it('gives up when the body stops arriving', async () => {
    behaviour = 'stall';
    const { error } = await failure(pullModel({ modelsDir, entry, baseUrl, stallTimeoutMs: 200 }));
    expect(error).toMatchObject({ code: 'model_download_failed', details: { reason: 'stalled' } });
    await expect(fs.readdir(path.join(modelsDir, 'owner', 'remote-model'))).resolves.toEqual([]);
  });

  it('reports an HTTP error with the file and status', async () => {
    const missing = { ...entry, files: ['onnx/absent.onnx'] };
    const { error } = await failure(pullModel({ modelsDir, entry: missing, baseUrl }));
    expect(error).toMatchObject({ code: 'model_download_failed', details: { status: 404, file: 'onnx/absent.onnx' } });
  });

  it('refuses to download a generated model', async () => {
    const tiny = findModelEntry(await loadModelManifest(), 'pathlens/tiny-clip');
    await expect(pullModel({ modelsDir, entry: tiny })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('pullModel from huggingface.co without network', async () => {
  const offline = await lookup('huggingface.co').then(
    () => false,
    () => true,
  );
  if (!offline) console.warn('[skip] huggingface.co resolves here; the offline pull test only runs without network.');

  it.skipIf(!offline)('fails fast with model_download_failed', async () => {
    const modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pathlens-pull-offline-'));
    try {
      const clip = findModelEntry(await loadModelManifest(), 'Xenova/clip-vit-base-patch32');
      const { error, elapsedMs } = await failure(pullModel({ modelsDir, entry: clip }));
      expect(error.code).toBe('model_download_failed');
      expect(error.message).toMatch(/^Could not reach huggingface\.co/);
      expect(elapsedMs).toBeLessThan(5_000);
      console.info(`[pull offline] failed in ${Math.round(elapsedMs)} ms: ${error.message}`);
    } finally {
      await fs.rm(modelsDir, { recursive: true, force: true });
    }
  });
});
