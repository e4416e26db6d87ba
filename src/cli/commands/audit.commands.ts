import { Command, Option, SubCommand } from 'nest-commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditQuery, AuditEventView } from '../../audit/audit.dto.js';
import { AuditService } from '../../audit/audit.service.js';
import { BrokerCommand, CommandGroup, JsonOption, numberOrText } from '../broker-command.js';
import { field } from '../cli-output.js';

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

interface TailOptions extends JsonOption {
  tenant?: string;
  action?: string;
  limit?: number | string;
  follow?: boolean;
}

@SubCommand({
  name: 'tail',
  description: 'the newest audit events, oldest first; --follow keeps printing new ones',
})
export class AuditTailCommand extends BrokerCommand<TailOptions> {
  async run(_args: string[], options: TailOptions): Promise<void> {
    const q = await this.broker.validated(AuditQuery, {
      tenant_id: options.tenant,
      action: options.action,
      limit: options.limit ?? 20,
    });
    const audit = await this.broker.get(AuditService);
    const query = { tenantId: q.tenant_id, action: q.action, limit: q.limit ?? 20 };
    const seen = new Set<string>();
    const printNew = async (): Promise<void> => {
      const { items } = await audit.page(query);
      const fresh = items.filter((e) => !seen.has(e.id)).reverse();
      for (const e of fresh) seen.add(e.id);
      this.print(fresh, options.json ?? false);
    };
    await printNew();
    if (!options.follow) return;
    const stopped = new AbortController();
    process.once('SIGINT', () => stopped.abort());
    while (!stopped.signal.aborted) {
      await sleep(FOLLOW_INTERVAL_MS, undefined, { signal: stopped.signal }).catch(() => undefined);
      if (!stopped.signal.aborted) await printNew();
    }
  }

  /** JSON is one event per line, so `--follow --json` streams into jq or a log shipper. */
  private print(events: AuditEventView[], json: boolean): void {
    if (json) for (const e of events) this.output.line(JSON.stringify(e));
    else if (events.length > 0) this.output.result(events, false, EVENT_COLUMNS);
  }

  @Option({ flags: '--tenant <id>', description: "only this tenant's events" })
  parseTenant(value: string): string {
    return value;
  }

  @Option({ flags: '--action <action>', description: 'only this action, e.g. oauth_client.rotate' })
  parseAction(value: string): string {
    return value;
  }

  @Option({ flags: '--limit <n>', description: 'how many of the newest events (default 20, max 500)' })
  parseLimit(value: string): number | string {
    return numberOrText(value);
  }

  @Option({ flags: '-f, --follow', description: 'keep printing new events until Ctrl-C' })
  parseFollow(): boolean {
    return true;
  }
}

@Command({ name: 'audit', description: 'audit log: tail', subCommands: [AuditTailCommand] })
export class AuditCommand extends CommandGroup {}
