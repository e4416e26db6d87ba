import { EgressController } from '../../particle/egress.controller.js';
import { EgressReport } from '../../particle/egress-report.js';
import type { EgressStatusView } from '../../particle/egress-status.js';
import { TokenEndpointGuard } from '../../particle/token-endpoint-guard.js';
import { CliOutput, field } from '../cli-output.js';
import type { CommandImpl } from '../command-runner.js';
import type { JsonOption } from '../command-tree.js';

const COLUMNS = [
  field('budget_used', 'token calls'),
  field('budget_limit', 'budget'),
  field('retry_after_seconds', 'retry after s'),
  field('breaker'),
  field('consecutive_failures', 'failures'),
  field('open_until', 'open until'),
];

function show(output: CliOutput, view: EgressStatusView, json: boolean): void {
  const row = {
    budget_used: view.token_budget.used,
    budget_limit: view.token_budget.limit,
    retry_after_seconds: view.token_budget.retry_after_seconds,
    breaker: view.breaker.state,
    consecutive_failures: view.breaker.consecutive_failures,
    open_until: view.breaker.open_until,
  };
  output.result(json ? view : row, json, COLUMNS);
}

/** The CLI runs on the system clock, as the broker's own guard does. */
const current = (report: EgressReport): Promise<EgressStatusView> => report.view(new Date());

export const egressStatus: CommandImpl<JsonOption> = async ({ broker, output }, _args, options) => {
  show(output, await current(await broker.get(EgressReport)), options.json ?? false);
};

export const resetBreaker: CommandImpl<JsonOption> = async ({ broker, output }, _args, options) => {
  const guard = await broker.get(TokenEndpointGuard);
  const report = await broker.get(EgressReport);
  // Audited exactly as POST /v1/admin/egress/breaker/reset.
  const view = await broker.audited([EgressController, 'resetBreaker'], {}, async (audit) => {
    await guard.reset(audit);
    return current(report);
  });
  show(output, view, options.json ?? false);
};
