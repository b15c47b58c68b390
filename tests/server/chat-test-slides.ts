import { openAsBlob } from 'node:fs';
import path from 'node:path';
import { waitForSlide } from '../helpers/test-server.ts';

/** POST a slide file to a running server as a multipart upload, with form fields as given. */
export async function uploadSlide(
  baseUrl: string,
  filePath: string,
  fields: Record<string, string> = {},
): Promise<Response> {
  const form = new FormData();
  form.append('file', await openAsBlob(filePath), path.basename(filePath));
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return fetch(`${baseUrl}/v1/slides`, { method: 'POST', body: form });
}

/**
 * Upload a slide file to a running server and wait until it is ingested. Fixture PNGs have no
 * MPP of their own, so one is given (0.5 µm/px unless `fields.mpp` says otherwise).
 */
export async function uploadAndIngest(
  baseUrl: string,
  filePath: string,
  fields: { mpp?: number | null; metadata?: Record<string, string> } = {},
): Promise<Record<string, any>> {
  const mpp = fields.mpp === undefined ? (filePath.endsWith('.png') ? 0.5 : null) : fields.mpp;
  const response = await uploadSlide(baseUrl, filePath, {
    ...(mpp !== null ? { mpp: String(mpp) } : {}),
    ...(fields.metadata ? { metadata: JSON.stringify(fields.metadata) } : {}),
  });
  const queued = (await response.json()) as { id?: string; error?: { message: string } };
  if (!queued.id) throw new Error(`upload of ${filePath} failed: ${queued.error?.message ?? response.status}`);
  const slide = await waitForSlide(baseUrl, queued.id, 300_000);
  if (slide.status !== 'ready') throw new Error(`ingesting ${filePath} failed: ${slide.failure_reason}`);
  return slide;
}
