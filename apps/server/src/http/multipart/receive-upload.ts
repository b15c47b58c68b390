import path from 'node:path';
import type { Context } from 'hono';
import type { AppEnvironment } from '../app-environment.ts';
import { receiveMultipart, type MultipartBody } from './receive-multipart.ts';

/** A route's multipart body, streamed to `<DATA_DIR>/uploads` under MAX_UPLOAD_MEGABYTES. */
export function receiveUpload(context: Context<AppEnvironment>): Promise<MultipartBody> {
  return receiveMultipart(context.req.raw, {
    temporaryDirectory: uploadsDirectory(context.get('runtime').config.dataDir),
    maxBytes: context.get('maxUploadBytes'),
  });
}

/** Where uploaded slides live (`<sha256><ext>`) and where every upload streams in first. */
export const uploadsDirectory = (dataDir: string) => path.join(dataDir, 'uploads');
