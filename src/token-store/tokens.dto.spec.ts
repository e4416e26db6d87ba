import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { IssueTokenBody } from './tokens.dto.js';

const BODIES: Record<string, unknown>[] = [
  {},
  { min_ttl_seconds: 0 },
  { min_ttl_seconds: 86_400 },
  { min_ttl_seconds: 86_401 },
  { min_ttl_seconds: -1 },
  { min_ttl_seconds: 1.5 },
  { min_ttl_seconds: '300' },
  { min_ttl_seconds: '-1' },
  { min_ttl_seconds: '86401' },
  { min_ttl_seconds: '99999999999999999999' },
  { min_ttl_seconds: '1e3' },
  { min_ttl_seconds: ' 300' },
  { min_ttl_seconds: '' },
  { min_ttl_seconds: null },
  { customer: 'jane@example.com' },
  { customer: 'a b' },
  { customer: '' },
  { customer: 'x'.repeat(255) },
  { customer: 42 },
  { credential_id: '6c1f7a0e-5d8b-4d55-9a51-0f0d7c7b1f62' },
  { credential_id: 'not-a-uuid' },
  { credential_id: 7 },
  { other: 1 },
  { min_ttl_seconds: 'x', customer: 'a b', credential_id: 'y', extra: true },
];

/** The fields class-validator (which the OpenAPI decorators describe) would reject. */
async function decoratorFields(body: Record<string, unknown>): Promise<string[]> {
  const errors = await validate(plainToInstance(IssueTokenBody, body), {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  return errors.map((e) => e.property).sort();
}

describe('IssueTokenBody.checkPlain', () => {
  it('rejects exactly the fields its decorators reject', async () => {
    for (const body of BODIES) {
      // A copy: checkPlain reads digits into numbers in place, and the decorators must see the raw body.
      const plain = IssueTokenBody.checkPlain({ ...body })
        .map((f) => f.field)
        .sort();
      expect(plain, JSON.stringify(body)).toEqual(await decoratorFields(body));
    }
  });

  it('reads a min_ttl_seconds of digits as the number, as the decorators do', () => {
    const body: Record<string, unknown> = { min_ttl_seconds: '300' };
    expect(IssueTokenBody.checkPlain(body)).toEqual([]);
    expect(body.min_ttl_seconds).toBe(300);
    expect(plainToInstance(IssueTokenBody, { min_ttl_seconds: '300' }).min_ttl_seconds).toBe(300);
  });
});
