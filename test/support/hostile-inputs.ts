/**
 * Fixed values the bad-input properties send in place of fields, secrets' fields included. They reach
 * the Particle fake as "client secrets" and stand in ids, messages and audit rows all over the run, so
 * the whole-run leak check must not take them for secrets (test/support/leak-check/leak-search.ts).
 */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '../../etc/passwd',
  "'; DROP TABLE tenants; --",
  'x'.repeat(5000),
  '{}',
  'NaN',
  '-1',
] as const;

/** Numbers written as strings at bigint's edge and in forms a parser may misread. */
export const HOSTILE_NUMERIC_STRINGS = [
  '9223372036854775807',
  '9223372036854775808',
  '1e3',
  '0x10',
  '300.5',
  ' 300',
  '-0',
] as const;
