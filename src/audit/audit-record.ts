import type { ApiError } from '../common/api-error.js';
import type { AuditOutcome } from './audit-event.entity.js';
import type { AuditRecord } from './audit.service.js';

export interface AuditContext {
  params: Record<string, string | undefined>;
  body: Record<string, unknown>;
  result: Record<string, unknown> | undefined;
}

export interface AuditedOptions {
  tenant?: (c: AuditContext) => string | null | undefined;
  target?: (c: AuditContext) => string | null | undefined;
  /** Only non-secret facts: ids, kinds, counts. */
  details?: (c: AuditContext) => Record<string, unknown>;
}

export interface AuditedMeta {
  action: string;
  options: AuditedOptions;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One audit row for a call of an `@Audited` handler, from the API or the CLI alike. */
export function auditRecordFor(
  meta: AuditedMeta,
  c: AuditContext,
  call: { actor: string; requestId: string | null; outcome: AuditOutcome; error?: ApiError | undefined },
): AuditRecord {
  const { options } = meta;
  return {
    actor: call.actor,
    action: meta.action,
    outcome: call.outcome,
    requestId: call.requestId,
    tenantId: options.tenant
      ? options.tenant(c)
      : (str(c.result?.tenant_id) ?? str(c.body.tenant_id) ?? null),
    target: options.target ? options.target(c) : (str(c.result?.id) ?? c.params.id ?? null),
    details: {
      ...(options.details ? options.details(c) : {}),
      ...(call.error ? { error: call.error.code } : {}),
    },
  };
}
