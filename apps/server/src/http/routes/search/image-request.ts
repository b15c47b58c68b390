import { readFile } from 'node:fs/promises';
import type { Context } from 'hono';
import type { AppEnvironment } from '../../app-environment.ts';
import { PathLensError } from '@pathlens/core';
import { readJsonObject } from '../../parse-request.ts';
import { decodeImage, type RgbPixels } from '@pathlens/encoders';
import { queryParameters } from './search-parameters.ts';
import { receiveUpload } from '../../multipart/receive-upload.ts';

const dataUrlPrefix = /^data:image\/[a-z0-9+.-]+;base64,/i;

/**
 * A request that may carry an image: multipart (`image` file plus text fields) or JSON (an
 * `image` data URL plus fields). Query-string parameters are merged in underneath. The image,
 * when present, is decoded here: bytes that are not an image fail with `unsupported_format`.
 */
export async function readImageRequest(
  context: Context<AppEnvironment>,
): Promise<{ fields: Record<string, unknown>; image: RgbPixels | undefined }> {
  const contentType = context.req.header('content-type') ?? '';
  const fields: Record<string, unknown> = queryParameters(context.req.query());
  let imageBytes: Uint8Array | undefined;
  if (contentType.startsWith('multipart/form-data')) {
    const body = await receiveUpload(context);
    try {
      for (const [key, values] of body.fields) {
        if (key === 'image')
          throw new PathLensError('invalid_request', 'The "image" field must be a file (curl -F image=@patch.png).', {
            param: 'image',
          });
        fields[key] = values[0];
      }
      const image = body.files.find((received) => received.field === 'image');
      if (image) imageBytes = new Uint8Array(await readFile(image.temporaryPath));
    } finally {
      await body.discard();
    }
  } else if (contentType.startsWith('application/json')) {
    for (const [key, value] of Object.entries(await readJsonObject(context))) {
      if (key !== 'image') fields[key] = value;
      else if (typeof value !== 'string' || !dataUrlPrefix.test(value)) {
        throw new PathLensError(
          'invalid_request',
          'Invalid body: image: must be a data URL such as data:image/png;base64,… (or upload the file as multipart field "image").',
          { param: 'image' },
        );
      } else imageBytes = Buffer.from(value.slice(value.indexOf(',') + 1), 'base64');
    }
  } else {
    throw new PathLensError(
      'invalid_request',
      'Send multipart/form-data with an "image" file, or application/json with "image" (a data URL), "pair_id" or "patch_id".',
    );
  }
  return { fields, image: imageBytes ? await decodeImage(imageBytes) : undefined };
}
