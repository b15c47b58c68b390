import { z } from 'zod';
import { plainText } from '../../plain-text.ts';
import { PathLensError } from '@pathlens/core';
import { plausibleMppRange } from '@pathlens/slide-reader';
import { parseValue } from '../../parse-request.ts';

/** µm per level-0 pixel a user may give; the same range the readers trust in files. */
export const requestMpp = z
  .number()
  .min(plausibleMppRange.min, `must be at least ${plausibleMppRange.min} µm/px`)
  .max(plausibleMppRange.max, `must be at most ${plausibleMppRange.max} µm/px (a whole-slide scan is 0.1–2)`);

/** Organ, stain and other facts: short keys (letters, digits, `_`, `-`) to short texts. */
export const slideMetadata = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'keys are 1–40 letters, digits, _ or -, starting with a letter'),
    plainText().max(500),
  )
  .refine((metadata) => Object.keys(metadata).length <= 32, 'at most 32 entries');

/** The fields `POST /v1/slides` takes besides the file itself. */
const registrationFields = {
  name: plainText().min(1).max(500).optional(),
  force: z.boolean().optional(),
  mpp: requestMpp.optional(),
  tile_at_level0: z.boolean().optional(),
  metadata: slideMetadata.optional(),
};

export const slideByPathRequest = z.object({ path: plainText().min(1).max(4_096), ...registrationFields });

const multipartRequest = z.object(registrationFields);

export interface SlideRegistrationFields {
  name?: string | undefined;
  force?: boolean | undefined;
  mpp?: number | undefined;
  tileAtLevel0?: boolean | undefined;
  metadata?: Record<string, string> | undefined;
}

export function registrationFieldsOf(request: z.output<typeof multipartRequest>): SlideRegistrationFields {
  return {
    name: request.name,
    force: request.force,
    mpp: request.mpp,
    tileAtLevel0: request.tile_at_level0,
    metadata: request.metadata,
  };
}

/**
 * The multipart form's text fields, typed as in the JSON request: `mpp` a number,
 * `force`/`tile_at_level0` `true`/`false`, `metadata` a JSON object.
 */
export function parseMultipartFields(body: Record<string, unknown>): SlideRegistrationFields {
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : undefined);
  const flag = (key: string) => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new PathLensError('invalid_request', `Invalid form field ${key}: send true or false.`, { param: key });
  };
  const mppText = text('mpp');
  const metadataText = text('metadata');
  let metadata: unknown;
  if (metadataText !== undefined) {
    try {
      metadata = JSON.parse(metadataText);
    } catch {
      throw new PathLensError(
        'invalid_request',
        'Invalid form field metadata: send a JSON object, e.g. {"organ":"colon","stain":"H&E"}.',
        { param: 'metadata' },
      );
    }
  }
  const parsed = parseValue(
    multipartRequest,
    {
      name: text('name'),
      force: flag('force'),
      mpp: mppText === undefined || mppText === '' ? undefined : Number(mppText),
      tile_at_level0: flag('tile_at_level0'),
      metadata,
    },
    'form',
  );
  return registrationFieldsOf(parsed);
}
