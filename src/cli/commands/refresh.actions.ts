import { RefreshRunsController } from '../../refresh-scheduler/refresh-runs.controller.js';
import { RefreshSchedulerService } from '../../refresh-scheduler/refresh-scheduler.service.js';
import { field, withProgress } from '../cli-output.js';
import type { CommandImpl } from '../command-runner.js';
import { CommandExit, JsonOption } from '../command-tree.js';

export const refresh: CommandImpl<JsonOption> = async ({ broker, output }, _args, options) => {
  const scheduler = await broker.get(RefreshSchedulerService);
  const started = Date.now();
  const result = await withProgress(
    broker.audited([RefreshRunsController, 'run'], {}, () => scheduler.sweep()),
    2000,
    () => output.progress(`sweeping… ${Math.round((Date.now() - started) / 1000)} s`),
  );
  output.result(result, options.json ?? false, [
    field('claimed'),
    field('renewed'),
    field('failed'),
    field('skipped'),
  ]);
  if (result.failed > 0) throw new CommandExit(1);
};
