import { command, runs } from '../command-tree.js';

export const refreshCommand = runs(
  command('refresh', 'run one refresh sweep now (for an external cron); exit code 1 if any renewal failed'),
  async () => (await import('./refresh.actions.js')).refresh,
);
