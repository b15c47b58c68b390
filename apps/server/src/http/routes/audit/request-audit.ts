import type { Context } from 'hono';
import type { AppEnvironment } from '../../app-environment.ts';
import type { Runtime } from '../../../runtime/runtime.ts';
import { describePrincipal } from '../../access/principal.ts';
import { asPathLensError } from '../../error-response.ts';
import { errorStatus } from '../../error-status.ts';

/** Status recorded for a request whose client went away before it finished (nginx's convention). */
export const clientClosedStatus = 499;

/** Who asked: the key's name and id (`key:lab system (3f2c…)`), never its secret; `anonymous` when keys are not in use.
 *
 */
export function auditActor(context: Context<AppEnvironment>): string {
  return describePrincipal(context.get('principal'));
}

interface AuditFields {
  slideId: string | null;
  conversationId: string | null;
  reportId: string | null;
  model: string | null;
  evidenceIds: string[];
  /** Numbers no evidence gives, and the model's own text when what the user saw was changed because of them. */
  unsupportedNumbers: string[];
  originalText: string | null;
}

export interface RequestAudit {
  /** Fill in what is known so far (the slide, the model, the evidence…); later calls add to earlier ones. */
  note(fields: Partial<AuditFields>): void;
  /** Write the audit row once, with the status the request ended with; later calls do nothing. */
  finish(status: number): Promise<void>;
  /** `finish` with the HTTP status a thrown error becomes. */
  fail(error: unknown): Promise<void>;
}

/**
 * Start auditing a chat or report request: one `audit_events` row, written when it finishes
 * (success, error or cancellation) with how long it took. A failure to write the row is logged,
 * never turned into a failure of the request.
 */
export function beginAudit(
  runtime: Runtime,
  context: Context<AppEnvironment>,
  action: 'chat' | 'report',
): RequestAudit {
  const startedMs = performance.now();
  const actor = auditActor(context);
  const fields: AuditFields = {
    slideId: null,
    conversationId: null,
    reportId: null,
    model: null,
    evidenceIds: [],
    unsupportedNumbers: [],
    originalText: null,
  };
  let finished = false;
  const finish = async (status: number) => {
    if (finished) return;
    finished = true;
    try {
      await runtime.store.audit.record({
        actor,
        action,
        ...fields,
        durationMs: Math.round(performance.now() - startedMs),
        status,
      });
    } catch (error) {
      runtime.logger.error('could not write the audit row', { error: String(error), action, status });
    }
  };
  return {
    note(update) {
      for (const [key, value] of Object.entries(update))
        if (value !== undefined) (fields as unknown as Record<string, unknown>)[key] = value;
    },
    finish,
    fail: (error) => finish(errorStatus[asPathLensError(error).code]),
  };
}
