import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { receiveMultipart } from '../../apps/server/src/http/multipart/receive-multipart.ts';
import { removeAbandonedUploads } from '../../apps/server/src/runtime/remove-abandoned-uploads.ts';

const boundary = 'pathlens-test-boundary';

/** A multipart request whose body comes from a stream of the given pieces, as a socket would deliver it. */
function multipartRequest(pieces: (string | Uint8Array)[]): Request {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(typeof piece === 'string' ? encoder.encode(piece) : piece);
      controller.close();
    },
  });
  return new Request('http://127.0.0.1/upload', {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    duplex: 'half',
  } as RequestInit);
}
const fieldPart = (name: string, value: string) =>
  `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileHead = (name: string, fileName: string) =>
  `--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="${fileName}"\r\ncontent-type: application/octet-stream\r\n\r\n`;
const closing = `--${boundary}--\r\n`;

describe('receiveMultipart: one streaming reader for every upload', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-multipart-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('collects fields and writes each file to a temporary file, hashed while it streams', async () => {
    const slideBytes = Buffer.alloc(3 * 1_048_576 + 17, 7);
    const pieces: (string | Uint8Array)[] = [
      fieldPart('mpp', '0.5'),
      fieldPart('tag', 'a'),
      fieldPart('tag', 'b'),
      fileHead('file', 'folder/slide.svs'),
    ];
    for (let offset = 0; offset < slideBytes.length; offset += 65_536)
      pieces.push(slideBytes.subarray(offset, offset + 65_536));
    pieces.push('\r\n', fileHead('images', 'images/a.png'), 'png bytes', '\r\n', closing);
    const body = await receiveMultipart(multipartRequest(pieces), {
      temporaryDirectory: directory,
      maxBytes: 10 * 1_048_576,
    });

    expect(body.field('mpp')).toBe('0.5');
    expect(body.fields.get('tag')).toEqual(['a', 'b']);
    expect(body.files.map((file) => [file.field, file.fileName, file.sizeBytes])).toEqual([
      ['file', 'folder/slide.svs', slideBytes.length],
      ['images', 'images/a.png', 9],
    ]);
    const [slide] = body.files;
    expect(slide!.contentSha256).toBe(createHash('sha256').update(slideBytes).digest('hex'));
    expect((await readFile(slide!.temporaryPath)).equals(slideBytes)).toBe(true);
    await body.discard();
    expect(await readdir(directory)).toEqual([]);
  });

  it('refuses a body over the limit with 413 naming MAX_UPLOAD_MEGABYTES, and keeps no file', async () => {
    const chunk = Buffer.alloc(65_536, 1);
    const pieces: (string | Uint8Array)[] = [
      fileHead('file', 'big.svs'),
      ...Array.from({ length: 40 }, () => chunk),
      '\r\n',
      closing,
    ];
    const receiving = receiveMultipart(multipartRequest(pieces), {
      temporaryDirectory: directory,
      maxBytes: 1_048_576,
    });
    await expect(receiving).rejects.toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('MAX_UPLOAD_MEGABYTES'),
    });
    expect(await readdir(directory)).toEqual([]);
  });

  it('refuses a body cut off mid-file as unreadable (400), and keeps no file', async () => {
    const pieces = [fieldPart('mpp', '0.5'), fileHead('file', 'slide.svs'), Buffer.alloc(100_000, 2)];
    const receiving = receiveMultipart(multipartRequest(pieces), {
      temporaryDirectory: directory,
      maxBytes: 1_048_576,
    });
    await expect(receiving).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('could not be read'),
    });
    expect(await readdir(directory)).toEqual([]);
  });

  it('refuses a multipart content type without a boundary as unreadable', async () => {
    const request = new Request('http://127.0.0.1/upload', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data' },
      body: 'x',
    });
    await expect(
      receiveMultipart(request, { temporaryDirectory: directory, maxBytes: 1_048_576 }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('removeAbandonedUploads: what a crash mid-upload left behind', () => {
  it('removes .incoming-* files older than the cutoff and nothing else', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-abandoned-'));
    try {
      for (const name of ['.incoming-old', '.incoming-fresh', 'abc123.svs'])
        await writeFile(path.join(directory, name), 'x');
      const dayAgo = new Date(Date.now() - 25 * 3_600_000);
      await utimes(path.join(directory, '.incoming-old'), dayAgo, dayAgo);
      await utimes(path.join(directory, 'abc123.svs'), dayAgo, dayAgo);
      expect(await removeAbandonedUploads(directory, { olderThanMs: 24 * 3_600_000 })).toBe(1);
      expect((await readdir(directory)).sort()).toEqual(['.incoming-fresh', 'abc123.svs']);
      expect(await removeAbandonedUploads(path.join(directory, 'absent'), { olderThanMs: 0 })).toBe(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
