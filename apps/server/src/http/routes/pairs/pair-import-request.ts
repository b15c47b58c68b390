import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from 'hono';
import { z } from 'zod';
import { plainText } from '../../plain-text.ts';
import { PathLensError, type Config } from '@pathlens/core';
import { importFormats, type PairImportRequest } from '@pathlens/library';
import { parseJson, parseValue } from '../../parse-request.ts';
import { allowedSlidePath } from '../../slide-path-guard.ts';

const format = z.enum(importFormats).optional();
const source = plainText().trim().min(1).max(200).optional();
const flag = z.enum(['true', 'false', '1', '0']).optional().transform((value) => value === 'true' || value === '1');

const importByPathRequest = z.object({
  /** A file or folder inside SLIDE_DIRS. */
  path: plainText().min(1).max(4_096),
  format,
  /** Where image ids are looked up (inside SLIDE_DIRS); default `images/` beside the file. */
  images_dir: plainText().min(1).max(4_096).optional(),
  source,
  text_only: z.boolean().optional(),
});

/**
 * The import a request asks for. JSON `{ "path": … }` reads a file or folder inside
 * SLIDE_DIRS. Multipart: `file` (the CSV/JSONL/JSON/TXT) and/or any number of `images`
 * (saved beside it under their names, which may hold sub-folders such as `images/a.png`, so
 * relative references and image ids resolve among them); `images` alone is a folder import.
 */
export async function pairImportRequest(context: Context, config: Config, uploadDirectory: string): Promise<PairImportRequest> {
  if (!(context.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
    const request = await parseJson(context, importByPathRequest);
    const target = await allowedSlidePath(request.path, config.slideDirs);
    const imagesDir = request.images_dir === undefined ? null : await allowedSlidePath(request.images_dir, config.slideDirs);
    return { target, format: request.format ?? null, imagesDir, textOnly: request.text_only ?? false, source: request.source ?? null, allowedRoots: config.slideDirs, uploaded: false, displayName: request.path };
  }
  const body = await context.req.parseBody({ all: true });
  const files = (field: string) => [body[field]].flat().filter((value): value is File => value instanceof File);
  const [manifest, ...extraManifests] = files('file');
  const images = files('images');
  if (extraManifests.length > 0) throw new PathLensError('invalid_request', 'Send one "file" per import (the CSV, JSONL, JSON or TXT); put pictures in "images" fields.', { param: 'file' });
  if (!manifest && images.length === 0) {
    throw new PathLensError('invalid_request', 'Send the rows as a multipart field named "file" (CSV, JSONL, JSON or id<TAB>caption TXT), optionally with the pictures as "images" fields — or JSON {"path": …} for a file inside SLIDE_DIRS.', { param: 'file' });
  }
  const requestedFormat = parseValue(format, single(body.format), 'format');
  const imagesDirField = single(body.images_dir);
  const explicitImagesDir = typeof imagesDirField === 'string' && imagesDirField !== '' ? await allowedSlidePath(imagesDirField, config.slideDirs) : null;
  const saved = new Set<string>();
  for (const file of manifest ? [manifest, ...images] : images) {
    const name = safeRelativeName(file.name);
    if (saved.has(name)) throw new PathLensError('invalid_request', `Two uploaded files are named ${name}; give each a distinct name.`, { param: 'images' });
    saved.add(name);
    const destination = path.join(uploadDirectory, name);
    await mkdir(path.dirname(destination), { recursive: true });
    await pipeline(Readable.fromWeb(file.stream() as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(destination));
  }
  // Uploaded pictures are where image ids are looked up: their `images/` folder when they came with one, else the upload folder.
  const uploadedImagesDir = (await stat(path.join(uploadDirectory, 'images')).catch(() => null))?.isDirectory() ? path.join(uploadDirectory, 'images') : uploadDirectory;
  const imagesDir = explicitImagesDir ?? (manifest && images.length > 0 ? uploadedImagesDir : null);
  return {
    target: manifest ? path.join(uploadDirectory, safeRelativeName(manifest.name)) : uploadDirectory,
    format: manifest ? (requestedFormat ?? null) : 'folder',
    imagesDir,
    textOnly: parseValue(flag, single(body.text_only), 'text_only'),
    source: parseValue(source, single(body.source), 'source') ?? null,
    allowedRoots: [uploadDirectory, ...config.slideDirs],
    uploaded: true,
    displayName: manifest?.name ?? `${images.length} uploaded files`,
  };
}

const single = (value: unknown) => (Array.isArray(value) ? value[0] : value);

/** An uploaded file's name as a path inside the upload folder: sub-folders allowed, nothing that climbs out. */
function safeRelativeName(name: string): string {
  const normalised = path.posix.normalize(name.replace(/\\/g, '/')).replace(/^(\.\/)+/, '');
  if (normalised === '' || normalised === '.' || normalised.startsWith('../') || normalised === '..' || normalised.startsWith('/') || normalised.includes('\0') || /^[a-z]:/i.test(normalised)) {
    throw new PathLensError('invalid_request', `Uploaded file name ${JSON.stringify(name)} is not usable; name files like "a.png" or "images/a.png".`, { param: 'images' });
  }
  return normalised;
}
