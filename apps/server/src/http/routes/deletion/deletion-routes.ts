import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import type { DeletedCounts, DeletionAudit } from '@pathlens/store';
import { deleteConversation, deletePair } from '../../../deletion/delete-library-and-chat.ts';
import { deleteSlide } from '../../../deletion/delete-slide.ts';
import { purgePatient } from '../../../deletion/purge-patient.ts';
import type { Runtime } from '../../../runtime/runtime.ts';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseJson } from '../../parse-request.ts';
import { plainText } from '../../plain-text.ts';
import { auditActor } from '../audit/request-audit.ts';

type DeleteOne = (runtime: Runtime, id: string, audit: DeletionAudit) => Promise<DeletedCounts | undefined>;

const purgeRequest = z.object({ patient_id: plainText({ maxLength: 200 }).pipe(z.string().min(1)) }).strict();

/**
 * Deletion of every kind, each recorded in the audit (who, what kind, which id, how many rows
 * and files; never the content): `DELETE /v1/slides/:id`, `/v1/pairs/:id`, `/v1/conversations/:id`,
 * `/v1/reports/:id` → 200 `{ "deleted": { …counts } }`; `POST /v1/admin/purge` `{ "patient_id" }`
 * → 200 `{ "purged": { …counts, "patient_id_sha256" } }` for everything derived from one patient.
 */
export function deletionRoutes() {
  const one = (kind: string, remove: DeleteOne) => async (context: Context<AppEnvironment>) => {
    const startedMs = performance.now();
    const id = context.req.param('id') ?? '';
    const runtime = context.get('runtime');
    const audit = { actor: auditActor(context), durationMs: 0 };
    const deleted = z.string().uuid().safeParse(id).success
      ? await remove(runtime, id, { ...audit, durationMs: Math.round(performance.now() - startedMs) })
      : undefined;
    if (!deleted) {
      const code = kind === 'slide' ? 'slide_not_found' : 'not_found';
      throw new PathLensError(code, `No ${kind} with id ${id.slice(0, 64)} (already deleted, or never stored).`);
    }
    return context.json({ deleted });
  };
  return new Hono<AppEnvironment>()
    .delete('/v1/slides/:id', one('slide', deleteSlide))
    .delete('/v1/pairs/:id', one('pair', deletePair))
    .delete('/v1/conversations/:id', one('conversation', deleteConversation))
    .delete(
      '/v1/reports/:id',
      one('report', (runtime, id, audit) => runtime.store.deletions.deleteReport(id, audit)),
    )
    .post('/v1/admin/purge', async (context) => {
      const startedMs = performance.now();
      const request = await parseJson(context, purgeRequest);
      const audit = { actor: auditActor(context), durationMs: Math.round(performance.now() - startedMs) };
      const purged = await purgePatient(context.get('runtime'), request.patient_id, audit);
      return context.json({ purged: { ...purged.counts, patient_id_sha256: purged.patientIdSha256 } });
    });
}
