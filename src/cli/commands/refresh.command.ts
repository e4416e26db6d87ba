import { Command } from 'nest-commander';
import { RefreshRunsController } from '../../refresh-scheduler/refresh-runs.controller.js';
import { RefreshSchedulerService } from '../../refresh-scheduler/refresh-scheduler.service.js';
import { BrokerCommand, CommandExit, JsonOption, withProgress } from '../broker-command.js';
import { field } from '../cli-output.js';

@Command({
  name: 'refresh',
  description: 'run one refresh sweep now (for an external cron); exit code 1 if any renewal failed',
})
export class RefreshCommand extends BrokerCommand {
  async run(_args: string[], options: JsonOption): Promise<void> {
    const scheduler = await this.broker.get(RefreshSchedulerService);
    const started = Date.now();
    const result = await withProgress(
      this.broker.audited([RefreshRunsController, 'run'], {}, () => scheduler.sweep()),
      2000,
      () => this.output.progress(`sweeping… ${Math.round((Date.now() - started) / 1000)} s`),
    );
    this.output.result(result, options.json ?? false, [
      field('claimed'),
      field('renewed'),
      field('failed'),
      field('skipped'),
    ]);
    if (result.failed > 0) throw new CommandExit(1);
  }
}
