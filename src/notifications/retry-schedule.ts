/** design.md §10: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then every 10 h, until 3 days. */
const DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];
export const GIVE_UP_AFTER_MS = 3 * 86_400_000;

/**
 * When attempt `attempt` (counting from 1) having failed, the next one is due; null once the event is
 * older than three days by then. Jitter of ±10 % keeps endpoints that failed together from being retried
 * in one burst.
 */
export function nextAttemptAfter(
  attempt: number,
  eventCreatedAt: Date,
  now: Date,
  random: () => number = Math.random,
): Date | null {
  const base = DELAYS_MS[Math.min(attempt, DELAYS_MS.length) - 1] ?? DELAYS_MS[DELAYS_MS.length - 1]!;
  const next = new Date(now.getTime() + Math.round(base * (0.9 + 0.2 * random())));
  return next.getTime() - eventCreatedAt.getTime() > GIVE_UP_AFTER_MS ? null : next;
}
