import { command, group, JsonOption, numberOrText, runs } from '../command-tree.js';

export interface AuditTailOptions extends JsonOption {
  tenant?: string;
  action?: string;
  limit?: number | string;
  follow?: boolean;
}

export const auditCommands = group('audit', 'audit log: tail', [
  runs(
    command('tail', 'the newest audit events, oldest first; --follow keeps printing new ones')
      .option('--tenant <id>', "only this tenant's events")
      .option('--action <action>', 'only this action, e.g. oauth_client.rotate')
      .option('--limit <n>', 'how many of the newest events (default 20, max 500)', numberOrText)
      .option('-f, --follow', 'keep printing new events until Ctrl-C'),
    async () => (await import('./audit.actions.js')).auditTail,
  ),
]);
