/**
 * The ceiling of the token path on one machine: the bare route (`bare-server.ts`) plus the one thing no
 * faster code can take out of it, the audit row committed before the answer, written by the broker's own
 * AuditService and AuditRepository (same group commit, same statement, same row) to the broker's
 * database. No key check, validation, cache, hooks or metrics. Run as its own process by `issue-tokens`
 * when BENCH_CEILING=1; DATABASE_URL names the broker's (already migrated) database.
 */
import { BENCH_CREDENTIAL_ID, benchAuditService, CEILING_ACTOR } from './bench-audit.js';
import { serveBareTokenRoute } from './bare-token-route.js';

const audit = await benchAuditService(process.env.DATABASE_URL ?? '');

// The row the broker writes for a cache hit (TokenIssuerService.issue), field for field.
await serveBareTokenRoute((tenantId) =>
  audit.record({
    actor: CEILING_ACTOR,
    action: 'token.issue',
    tenantId,
    requestId: 'ceiling',
    outcome: 'success',
    target: BENCH_CREDENTIAL_ID,
    details: { source: 'cache', min_ttl_seconds: 300 },
  }),
);
