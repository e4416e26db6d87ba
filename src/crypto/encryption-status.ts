import type { KidCount } from './sealed-values.repository.js';

export type ReencryptionState = 'idle' | 'running' | 'done';

export interface EncryptionStatus {
  active_kid: string;
  keys: { kid: string; rows: number }[];
  reencryption: { state: ReencryptionState; done: number; total: number };
}

/** Rows per key id over every sealed column. */
export function rowsByKid(counts: readonly KidCount[]): Map<string, number> {
  const byKid = new Map<string, number>();
  for (const c of counts) byKid.set(c.kid, (byKid.get(c.kid) ?? 0) + c.rows);
  return byKid;
}

/**
 * What `GET /v1/admin/encryption` answers: every configured key (in keyring order, 0 rows included),
 * then any other key id found in the data, so ops see both what is left to rewrite and what is missing.
 */
export function summarizeEncryption(
  counts: readonly KidCount[],
  keyringKids: readonly string[],
  activeKid: string,
  running: boolean,
): EncryptionStatus {
  const byKid = rowsByKid(counts);
  const unknown = [...byKid.keys()].filter((kid) => !keyringKids.includes(kid)).sort();
  const keys = [...keyringKids, ...unknown].map((kid) => ({ kid, rows: byKid.get(kid) ?? 0 }));
  const total = keys.reduce((sum, k) => sum + k.rows, 0);
  const done = byKid.get(activeKid) ?? 0;
  const state: ReencryptionState = running ? 'running' : done === total ? 'done' : 'idle';
  return { active_kid: activeKid, keys, reencryption: { state, done, total } };
}

/** The start-up refusal when stored values need keys the keyring lacks; undefined when none do. */
export function missingKeysMessage(
  counts: readonly KidCount[],
  keyringKids: readonly string[],
): string | undefined {
  const missing = [...rowsByKid(counts)]
    .filter(([kid]) => !keyringKids.includes(kid))
    .sort(([a], [b]) => a.localeCompare(b));
  if (missing.length === 0) return undefined;
  const list = missing.map(([kid, rows]) => `${kid} (${rows} ${rows === 1 ? 'value' : 'values'})`).join(', ');
  const them = missing.length === 1 ? 'it' : 'them';
  return (
    `BROKER_ENCRYPTION_KEYS lacks key(s) still needed: ${list}. ` +
    `Put ${them} back (after the active key) until GET /v1/admin/encryption shows 0 rows for ${them}.`
  );
}
