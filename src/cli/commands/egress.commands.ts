import { command, group, runs } from '../command-tree.js';

export const egressCommands = group('egress', 'the shared egress to Particle: status, reset-breaker', [
  runs(
    command('status', 'token budget and breaker, all replicas together'),
    async () => (await import('./egress.actions.js')).egressStatus,
  ),
  runs(
    command(
      'reset-breaker',
      'close an open breaker (after checking with Particle that the IP is not locked out)',
    ),
    async () => (await import('./egress.actions.js')).resetBreaker,
  ),
]);
