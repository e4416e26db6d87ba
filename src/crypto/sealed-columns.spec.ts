import { describe, expect, it } from 'vitest';
import { mfaLocation } from '../onboarding/credential-onboarding.service.js';
import { secretLocation } from '../tenants/oauth-clients.service.js';
import { credentialLocation } from '../credentials/credential-seal.js';
import { SEALED_COLUMNS, sealedLocation } from './sealed-columns.js';

const column = (table: string, name: string) => {
  const found = SEALED_COLUMNS.find((c) => c.table === table && c.column === name);
  if (!found) throw new Error(`${table}.${name} is not in SEALED_COLUMNS`);
  return found;
};

describe('SEALED_COLUMNS', () => {
  it('binds each value to the same location as the code that sealed it', () => {
    expect(sealedLocation(column('oauth_client_secrets', 'secret_sealed'), 'r1')).toEqual(
      secretLocation('r1'),
    );
    for (const name of ['access_token_sealed', 'refresh_token_sealed'] as const) {
      expect(sealedLocation(column('credentials', name), 'r1')).toEqual(credentialLocation('r1', name));
    }
    expect(sealedLocation(column('mfa_challenges', 'mfa_token_sealed'), 'r1')).toEqual(mfaLocation('r1'));
  });

  it('lists each column once', () => {
    const names = SEALED_COLUMNS.map((c) => `${c.table}.${c.column}`);
    expect(new Set(names).size).toBe(names.length);
  });
});
