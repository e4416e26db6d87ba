import type { EntityManager } from 'typeorm';
import { auditRecordFor, AuditContext, AuditedMeta } from './audit-record.js';
import type { AuditService } from './audit.service.js';

/**
 * The success row of one admin action (design.md §5.10), handed by the `@Audited` interceptor (or the
 * CLI) to the service, whose final write appends it in its own transaction: the change and its row
 * commit together, or neither does. Only the final write's transaction: earlier steps that call Particle
 * hold no connection (§5.9). A handler that never appends it is audited after it returns, as a failure is.
 */
export class SuccessAudit {
  private appendedRows = 0;

  constructor(
    private readonly audit: AuditService,
    private readonly meta: AuditedMeta,
    private readonly request: Omit<AuditContext, 'result'>,
    private readonly call: { actor: string; requestId: string | null },
  ) {}

  /**
   * Appends the row inside `em`'s transaction. `result` is what the handler will answer (the fields the
   * action's `@Audited` options read of it), so the row is the one the interceptor would have written.
   */
  async appendIn(em: EntityManager, result: object | undefined): Promise<void> {
    const record = auditRecordFor(
      this.meta,
      { ...this.request, result: result as Record<string, unknown> | undefined },
      { ...this.call, outcome: 'success' },
    );
    await this.audit.appendInTransaction(em, record);
    this.appendedRows++;
  }

  /** Who acts: an API key id, `bootstrap`, or the CLI's actor. */
  get actor(): string {
    return this.call.actor;
  }

  /** Whether a transaction took the row; read once the handler succeeded, so that transaction committed. */
  get appended(): boolean {
    return this.appendedRows > 0;
  }

  /** The request of the action (none from the CLI), for the log lines the service writes on its behalf. */
  get requestId(): string | undefined {
    return this.call.requestId ?? undefined;
  }
}
