import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRecord, AuditService } from '../../src/audit/audit.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const row = (requestId: string): AuditRecord => ({
  actor: 'key:group-commit',
  action: 'proxy.request',
  outcome: 'success',
  tenantId: 'acme',
  requestId,
  details: { method: 'GET', status: 200 },
});

/**
 * The audit group commit (AuditService): rows a caller waits for are written at once; rows written after
 * the answer (the proxy's) wait a little for company, are taken along by any awaited row, and are
 * written before the app's database goes at shutdown.
 */
describe('audit group commit', () => {
  let db: TestDatabase;
  let t: TestApp;
  let audit: AuditService;
  let metrics: MetricsService;

  const inserts = async () => (await metrics.auditInserts.get()).values[0]?.value ?? 0;
  const rowsOf = async (prefix: string) =>
    (
      await db.query<{ request_id: string }>(
        `SELECT request_id FROM audit_events WHERE request_id LIKE $1 ORDER BY id`,
        [`${prefix}%`],
      )
    ).map((r) => r.request_id);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ db });
    audit = t.app.get(AuditService);
    metrics = t.app.get(MetricsService);
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('writes rows recorded after their answers together, in the order they came', async () => {
    const before = await inserts();
    const ids = Array.from({ length: 30 }, (_, i) => `after-${String(i).padStart(2, '0')}`);
    await Promise.all(ids.map((id) => audit.recordAfterAnswer(row(id))));
    expect(await inserts()).toBe(before + 1);
    expect(await rowsOf('after-')).toEqual(ids);
  });

  it('takes lingering rows along with a row a caller waits for', async () => {
    const before = await inserts();
    const lingering = [1, 2, 3].map((i) => audit.recordAfterAnswer(row(`along-${i}`)));
    await audit.record(row('along-awaited'));
    await Promise.all(lingering);
    expect(await inserts()).toBe(before + 1);
    expect(await rowsOf('along-')).toEqual(['along-1', 'along-2', 'along-3', 'along-awaited']);
  });

  it('answers a failed INSERT to every row of its batch, lingering ones too', async () => {
    await db.query(
      `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'audit refused by test'; END $$`,
    );
    await db.query(`CREATE TRIGGER audit_refused BEFORE INSERT ON audit_events FOR EACH ROW
                    WHEN (NEW.request_id LIKE 'refused-%') EXECUTE FUNCTION refuse_audit()`);
    try {
      const settled = await Promise.allSettled([
        audit.recordAfterAnswer(row('refused-1')),
        audit.record(row('refused-2')),
      ]);
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
      expect(await rowsOf('refused-')).toEqual([]);
    } finally {
      await db.query(`DROP TRIGGER audit_refused ON audit_events`);
    }
  });

  it('writes lingering rows before the app closes', async () => {
    const other = await startTestApp({ db });
    const pending = [1, 2, 3].map((i) => other.app.get(AuditService).recordAfterAnswer(row(`closing-${i}`)));
    await other.close();
    await Promise.all(pending);
    expect(await rowsOf('closing-')).toEqual(['closing-1', 'closing-2', 'closing-3']);
  });
});
