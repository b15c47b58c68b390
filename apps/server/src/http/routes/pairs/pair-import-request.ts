import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'hono';
import { z } from 'zod';
import { plainText } from '../../plain-text.ts';
import { PathLensError, type Config } from '@pathlens/core';
import { importFormats, type PairImportRequest } from '@pathlens/library';
import { parseJson, parseValue } from '../../parse-request.ts';
import { allowedSlidePath } from '../../slide-path-guard.ts';
import type { AppEnvironment } from '../../app-environment.ts';
import type { MultipartBody } from '../../multipart/receive-multipart.ts';
import { receiveUpload } from '../../multipart/receive-upload.ts';

const format = z.enum(importFormats).optional();
const source = plainText().trim().min(1).max(200).optional();
const flag = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((value) => value === 'true' || value === '1');

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
export async function pairImportRequest(
  context: Context<AppEnvironment>,
  config: Config,
  uploadDirectory: string,
): Promise<PairImportRequest> {
  if (!(context.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
    const request = await parseJson(context, importByPathRequest);
    const target = await allowedSlidePath(request.path, config.slideDirs);
    const imagesDir =
      request.images_dir === undefined ? null : await allowedSlidePath(request.images_dir, config.slideDirs);
    return {
      target,
      format: request.format ?? null,
      imagesDir,
      textOnly: request.text_only ?? false,
      source: request.source ?? null,
      allowedRoots: config.slideDirs,
      uploaded: false,
      displayName: request.path,
    };
  }
  const body = await receiveUpload(context);
  try {
    return await uploadedImportRequest(body, config, uploadDirectory);
  } finally {
    await body.discard(); // whatever was not moved into the upload folder
  }
}

async function uploadedImportRequest(
  body: MultipartBody,
  config: Config,
  uploadDirectory: string,
): Promise<PairImportRequest> {
  const files = (field: string) => body.files.filter((file) => file.field === field);
  const [manifest, ...extraManifests] = files('file');
  const images = files('images');
  if (extraManifests.length > 0)
    throw new PathLensError(
      'invalid_request',
      'Send one "file" per import (the CSV, JSONL, JSON or TXT); put pictures in "images" fields.',
      { param: 'file' },
    );
  if (!manifest && images.length === 0) {
    throw new PathLensError(
      'invalid_request',
      'Send the rows as a multipart field named "file" (CSV, JSONL, JSON or id<TAB>caption TXT), optionally with the pictures as "images" fields — or JSON {"path": …} for a file inside SLIDE_DIRS.',
      { param: 'file' },
    );
  }
  const requestedFormat = parseValue(format, body.field('format'), 'format');
  const imagesDirField = body.field('images_dir');
  const explicitImagesDir =
    typeof imagesDirField === 'string' && imagesDirField !== ''
      ? await allowedSlidePath(imagesDirField, config.slideDirs)
      : null;
  const saved = new Set<string>();
  const received = manifest ? [manifest, ...images] : images;
  for (const file of received) {
    const name = safeRelativeName(file.fileName);
    if (saved.has(name))
      throw new PathLensError('invalid_request', `Two uploaded files are named ${name}; give each a distinct name.`, {
        param: 'images',
      });
    saved.add(name);
  }
  for (const file of received) {
    const destination = path.join(uploadDirectory, safeRelativeName(file.fileName));
    await mkdir(path.dirname(destination), { recursive: true });
    await rename(file.temporaryPath, destination);
  }
  // Uploaded pictures are where image ids are looked up: their `images/` folder when they came with one, else the
  // upload folder.
  const uploadedImagesDir = (await stat(path.join(uploadDirectory, 'images')).catch(() => null))?.isDirectory()
    ? path.join(uploadDirectory, 'images')
    : uploadDirectory;
  const imagesDir = explicitImagesDir ?? (manifest && images.length > 0 ? uploadedImagesDir : null);
  return {
    target: manifest ? path.join(uploadDirectory, safeRelativeName(manifest.fileName)) : uploadDirectory,
    format: manifest ? (requestedFormat ?? null) : 'folder',
    imagesDir,
    textOnly: parseValue(flag, body.field('text_only'), 'text_only'),
    source: parseValue(source, body.field('source'), 'source') ?? null,
    allowedRoots: [uploadDirectory, ...config.slideDirs],
    uploaded: true,
    displayName: manifest?.fileName ?? `${images.length} uploaded files`,
  };
}

/** An uploaded file's name as a path inside the upload folder: sub-folders allowed, nothing that climbs out. */
function safeRelativeName(name: string): string {
  const normalised = path.posix.normalize(name.replace(/\\/g, '/')).replace(/^(\.\/)+/, '');
  if (
    normalised === '' ||
    normalised === '.' ||
    normalised.startsWith('../') ||
    normalised === '..' ||
    normalised.startsWith('/') ||
    normalised.includes('\0') ||
    /^[a-z]:/i.test(normalised)
  ) {
    throw new PathLensError(
      'invalid_request',
      `Uploaded file name ${JSON.stringify(name)} is not usable; name files like "a.png" or "images/a.png".`,
      { param: 'images' },
    );
  }
  return normalised;
}
