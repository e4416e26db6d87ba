import { auditRowOfWrite, WriteAudit } from '../audit/audit.repository.js';
import { prepared, PreparedStatement } from '../database/prepared-statement.js';

/**
 * The SQL texts of CredentialsRepository that are not query-builder calls, each in one named place with
 * its parameters listed.
 */

/** $1 tenant id: customer-scoped rows the tenant holds (CUSTOMER_CREDENTIALS_PER_TENANT bounds them). */
export const COUNT_CUSTOMER_ROWS = `SELECT count(*) AS n FROM credentials
  WHERE tenant_id = $1 AND kind = 'client_credentials' AND scope LIKE 'customer=%'`;

/** $1 credential id, $2 the notification channel: the row goes and its tenant is announced at commit. */
export const DELETE_AND_NOTIFY = `WITH gone AS (DELETE FROM credentials WHERE id = $1 RETURNING tenant_id)
  SELECT pg_notify($2, tenant_id) FROM gone`;

/** $1 OAuth client id, $2 now: the client's renewable credentials are due at once. */
export const CALL_UP_FOR_CLIENT = `UPDATE credentials SET next_attempt_at = $2
  WHERE oauth_client_id = $1 AND kind IN ('client_credentials', 'authorization_code')
    AND status NOT IN ('revoked', 'needs_reauth') AND next_attempt_at IS NOT NULL`;

/** Query-builder condition (:now, :limit): due rows nobody holds, oldest first, skipping locked ones. */
export const DUE_AND_FREE = `id IN (SELECT id FROM credentials
  WHERE next_attempt_at <= :now AND status <> 'revoked' AND (lease_until IS NULL OR lease_until < :now)
  ORDER BY next_attempt_at LIMIT :limit
  FOR UPDATE SKIP LOCKED)`;

/** Query-builder condition (:id, :now): one credential whose lease nobody holds. */
export const FREE_TO_LEASE = `id = :id AND status <> 'revoked' AND (lease_until IS NULL OR lease_until < :now)`;

/**
 * A write under a lease (`update`, a query builder's UPDATE with its `values`) as one statement: the
 * notification on `channel` (delivered at commit) and the audit row only if it wrote. A data-modifying CTE
 * runs whether or not the outer query reads it; FROM written keeps the audit row conditional. One text per
 * column set, so a handful of shapes in all: each is planned once per connection.
 */
export function leasedWrite(
  update: string,
  values: unknown[],
  channel: string | undefined,
  audit: WriteAudit | undefined,
): { prepared: PreparedStatement; values: unknown[] } {
  const all = [...values];
  const param = (v: unknown): string => `$${all.push(v)}`;
  const then = channel ? `pg_notify(${param(channel)}, tenant_id)` : 'true';
  const audited = audit ? `, audited AS (${auditRowOfWrite('written', audit, param)})` : '';
  const text = `WITH written AS (${update} RETURNING id, tenant_id)${audited} SELECT ${then} FROM written`;
  return { prepared: prepared(text), values: all };
}
