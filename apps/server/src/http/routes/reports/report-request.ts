import { z } from 'zod';
import { plainText } from '../../plain-text.ts';

/** `POST /v1/reports`. */
export const reportRequest = z.object({
  slide_id: z.string().uuid('slide_id must be a slide id (a UUID) from POST /v1/slides'),
  /** A template id from GET /v1/report-templates; default: the one for the slide's organ, else `general`. */
  template_id: plainText().min(1).max(100).optional(),
  /** Free text from the requester (history, clinical question); recorded, not verified. */
  clinical_context: plainText().max(2000, 'clinical_context is limited to 2000 characters').optional(),
  /** `assembled` (default; works with any model) or `json` (the model writes the whole report; needs a capable model).
   *
   */
  mode: z.enum(['assembled', 'json']).default('assembled'),
});
