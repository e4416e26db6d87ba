import { setTimeout as sleep } from 'node:timers/promises';
import { AuditQuery, AuditEventView } from '../../audit/audit.dto.js';
import { AuditService } from '../../audit/audit.service.js';
import { CliOutput, field } from '../cli-output.js';
import type { CommandImpl } from '../command-runner.js';
import type { AuditTailOptions } from './audit.commands.js';

const EVENT_COLUMNS = [
  field('at'),
  field('actor'),
  field('action'),
  field('tenant_id', 'tenant'),
  field('target'),
  field('outcome'),
  field('details'),
];
const FOLLOW_INTERVAL_MS = 2000;

/** JSON is one event per line, so `--follow --json` streams into jq or a log shipper. */
function print(output: CliOutput, events: AuditEventView[], json: boolean): void {
  if (json) for (const e of events) output.line(JSON.stringify(e));
  else if (events.length > 0) output.result(events, false, EVENT_COLUMNS);
}

export const auditTail: CommandImpl<AuditTailOptions> = async ({ broker, output }, _args, options) => {
  const q = await broker.validated(AuditQuery, {
    tenant_id: options.tenant,
    action: options.action,
    limit: options.limit ?? 20,
  });
  const audit = await broker.get(AuditService);
  const query = { tenantId: q.tenant_id, action: q.action, limit: q.limit ?? 20 };
  const seen = new Set<string>();
  const printNew = async (): Promise<void> => {
    const { items } = await audit.page(query);
    const fresh = items.filter((e) => !seen.has(e.id)).reverse();
    for (const e of fresh) seen.add(e.id);
    print(output, fresh, options.json ?? false);
  };
  await printNew();
  if (!options.follow) return;
  const stopped = new AbortController();
  process.once('SIGINT', () => stopped.abort());
  while (!stopped.signal.aborted) {
    await sleep(FOLLOW_INTERVAL_MS, undefined, { signal: stopped.signal }).catch(() => undefined);
    if (!stopped.signal.aborted) await printNew();
  }
};
