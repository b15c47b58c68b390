import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import { auditActions } from '@pathlens/store';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseValue } from '../../parse-request.ts';

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.iso.datetime({ offset: true }).optional(),
  action: z.enum(auditActions).optional(),
  slide_id: z.string().uuid().optional(),
});

const loopback = (address: string) => address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');

/**
 * Until administrators have accounts (a later issue), the audit trail is served to the machine
 * itself only: the socket's remote address must be loopback. A request with no socket is the
 * CLI calling the app in-process, which is local by construction.
 */
function requireLocal(context: Context): void {
  let address: string | undefined;
  try {
    address = getConnInfo(context).remote.address;
  } catch {
    return;
  }
  if (!address || !loopback(address)) {
    throw new PathLensError('forbidden', `The audit trail is only served to localhost until administrator access exists; ask from the server machine (your address: ${address ?? 'unknown'}).`);
  }
}

/** `GET /v1/audit`: chat, report and deletion requests, newest first (`limit`, `before`, `action`, `slide_id`); localhost only. */
export function auditRoutes() {
  return new Hono<AppEnvironment>().get('/v1/audit', async (context) => {
    requireLocal(context);
    const query = parseValue(auditQuery, context.req.query(), 'query');
    const events = await context.get('runtime').store.audit.list({ limit: query.limit, before: query.before ? new Date(query.before) : undefined, action: query.action, slideId: query.slide_id });
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
