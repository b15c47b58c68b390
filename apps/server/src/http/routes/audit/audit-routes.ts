import { Hono } from 'hono';
import { z } from 'zod';
import { auditActions } from '@pathlens/store';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseValue } from '../../parse-request.ts';

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.iso.datetime({ offset: true }).optional(),
  action: z.enum(auditActions).optional(),
  slide_id: z.string().uuid().optional(),
});

/** `GET /v1/audit`: chat, report and deletion requests, newest first (`limit`, `before`, `action`, `slide_id`); admin
 * keys only (route table), or anyone while keys are not required on loopback.
 */
export function auditRoutes() {
  return new Hono<AppEnvironment>().get('/v1/audit', async (context) => {
    const query = parseValue(auditQuery, context.req.query(), 'query');
    const events = await context.get('runtime').store.audit.list({
      limit: query.limit,
      before: query.before ? new Date(query.before) : undefined,
      action: query.action,
      slideId: query.slide_id,
    });
    return context.json({
      object: 'list',
      data: events.map((event) => ({
        id: event.id,
        object: 'audit_event',
        at: event.at.toISOString(),
        actor: event.actor,
        action: event.action,
        slide_id: event.slideId,
        conversation_id: event.conversationId,
        report_id: event.reportId,
        model: event.model,
        evidence_ids: event.evidenceIds,
        unsupported_numbers: event.unsupportedNumbers,
        original_text: event.originalText,
        duration_ms: event.durationMs,
        status: event.status,
        target_kind: event.targetKind,
        target_id: event.targetId,
        deleted_counts: event.deletedCounts,
      })),
    });
  });
}
