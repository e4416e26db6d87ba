import { describe, expect, it } from 'vitest';
import { CHECK_INTERVAL_MS, nextAttemptAfterIssue, retryAfterFailure } from './renewal-policy.js';

const now = new Date('2026-11-23T12:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const LEAD = 900;

describe(nextAttemptAfterIssue.name, () => {
  it('renews client credentials between 1.0 and 1.2 leads before expiry', () => {
    const expires = at(3600_000);
    expect(nextAttemptAfterIssue('client_credentials', null, now, expires, null, LEAD, () => 0)).toEqual(
      at(2700_000),
    );
    expect(nextAttemptAfterIssue('client_credentials', null, now, expires, null, LEAD, () => 1)).toEqual(
      at(2520_000),
    );
  });

  it('renews an authorization_code credential before its refresh token runs out too', () => {
    const next = nextAttemptAfterIssue(
      'authorization_code',
      null,
      now,
      at(90 * 86_400_000),
      at(14 * 86_400_000),
      LEAD,
      () => 0,
    );
    expect(next).toEqual(at(14 * 86_400_000 - 900_000));
  });

  it('checks non-renewable tokens hourly, and never-expiring ones too', () => {
    expect(nextAttemptAfterIssue('password', null, now, null, null, LEAD, () => 0)).toEqual(
      at(CHECK_INTERVAL_MS),
    );
    expect(nextAttemptAfterIssue('token', null, now, at(86_400_000), null, LEAD, () => 0)).toEqual(
      at(CHECK_INTERVAL_MS),
    );
  });

  it('never schedules customer tokens, and never a time in the past', () => {
    expect(
      nextAttemptAfterIssue('client_credentials', 'customer=a@b.c', now, at(3600_000), null, LEAD),
    ).toBeNull();
    expect(nextAttemptAfterIssue('client_credentials', null, now, at(60_000), null, LEAD, () => 0)).toEqual(
      now,
    );
  });
});

describe(retryAfterFailure.name, () => {
  it('backs off exponentially with bounded jitter and a ceiling', () => {
    expect(retryAfterFailure(1, now, () => 0.5)).toEqual(at(30_000));
    expect(retryAfterFailure(3, now, () => 0.5)).toEqual(at(120_000));
    expect(retryAfterFailure(30, now, () => 0.5)).toEqual(at(30 * 60_000));
    expect(retryAfterFailure(1, now, () => 0).getTime()).toBe(at(24_000).getTime());
    expect(retryAfterFailure(1, now, () => 1).getTime()).toBe(at(36_000).getTime());
  });
});
