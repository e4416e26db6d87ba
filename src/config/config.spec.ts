import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const key = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe(loadConfig.name, () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: './.data',
      publicUrl: 'http://127.0.0.1:3000',
      migrateOnStart: true,
      reencryptInBackground: true,
      particle: {
        apiUrl: 'https://api.particle.io',
        tokenBudget: 80,
        maxConsecutiveFailures: 5,
        timeoutMs: 10000,
      },
      tokenTtlSeconds: 3600,
      refresh: { cron: '*/30 * * * * *', leadSeconds: 900, concurrency: 8 },
    });
    expect(c.encryptionKeys).toEqual([]);
  });

  it('lists every offending variable at once', () => {
    const problems = problemsOf({
      PORT: '70000',
      BROKER_ENCRYPTION_KEYS: 'k1:short',
      PARTICLE_TOKEN_BUDGET: 'lots',
      DATABASE_URL: 'mysql://x',
      REFRESH_CRON: 'sometimes',
    });
    const keys = problems.map((p) => p.split(':')[0]);
    expect(keys).toEqual(
      expect.arrayContaining([
        'PORT',
        'BROKER_ENCRYPTION_KEYS',
        'PARTICLE_TOKEN_BUDGET',
        'DATABASE_URL',
        'REFRESH_CRON',
      ]),
    );
  });

  it('never echoes a key value in its message', () => {
    const secret = randomBytes(20).toString('base64');
    const problems = problemsOf({ BROKER_ENCRYPTION_KEYS: `k1:${secret}` });
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('refuses to start in production without encryption keys', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^BROKER_ENCRYPTION_KEYS/),
    ]);
  });

  it('keeps a breaker threshold below Particle’s 10-failure lockout', () => {
    expect(problemsOf({ PARTICLE_MAX_CONSECUTIVE_FAILURES: '10' })).toHaveLength(1);
  });

  it('parses keys in order, the first one encrypting, and rejects a repeated key id', () => {
    const c = loadConfig({ BROKER_ENCRYPTION_KEYS: `${key('new')},${key('old')}` });
    expect(c.encryptionKeys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(problemsOf({ BROKER_ENCRYPTION_KEYS: `${key('a')},${key('a')}` })).toHaveLength(1);
  });

  it('turns the cron off, trims URLs and derives the public URL', () => {
    const c = loadConfig({
      REFRESH_CRON: 'off',
      PARTICLE_API_URL: 'http://127.0.0.1:9/',
      PORT: '8080',
      HOST: '0.0.0.0',
    });
    expect(c.refresh.cron).toBeUndefined();
    expect(c.particle.apiUrl).toBe('http://127.0.0.1:9');
    expect(c.publicUrl).toBe('http://0.0.0.0:8080');
  });

  it('turns background re-encryption off and refuses any other value than on or off', () => {
    expect(loadConfig({ BROKER_REENCRYPT: 'off' }).reencryptInBackground).toBe(false);
    expect(problemsOf({ BROKER_REENCRYPT: 'later' })).toEqual([expect.stringMatching(/^BROKER_REENCRYPT/)]);
  });

  it('bounds customer credentials per tenant at 1000 unless told, and refuses a bound that is not a count', () => {
    expect(loadConfig({}).customerCredentialsPerTenant).toBe(1000);
    expect(loadConfig({ CUSTOMER_CREDENTIALS_PER_TENANT: '5' }).customerCredentialsPerTenant).toBe(5);
    expect(problemsOf({ CUSTOMER_CREDENTIALS_PER_TENANT: '-1' })).toEqual([
      expect.stringMatching(/^CUSTOMER_CREDENTIALS_PER_TENANT/),
    ]);
  });

  it('lets one tenant take a quarter of a shared budget unless told, refusing a share outside (0, 1]', () => {
    expect(loadConfig({}).particle.tenantShare).toBe(0.25);
    expect(loadConfig({ PARTICLE_TENANT_SHARE: '.5' }).particle.tenantShare).toBe(0.5);
    expect(loadConfig({ PARTICLE_TENANT_SHARE: '1' }).particle.tenantShare).toBe(1);
    for (const bad of ['0', '1.5', '-0.1', 'a quarter']) {
      expect(problemsOf({ PARTICLE_TENANT_SHARE: bad })).toEqual([
        expect.stringMatching(/^PARTICLE_TENANT_SHARE/),
      ]);
    }
  });

  it('opens console sessions for 30 minutes idle and 12 hours at most unless told, and refuses an idle past the maximum', () => {
    expect(loadConfig({}).console).toEqual({ enabled: true, idleSeconds: 1800, maxSeconds: 43_200 });
    expect(loadConfig({ CONSOLE: 'off', CONSOLE_SESSION_IDLE_SECONDS: '600' }).console).toMatchObject({
      enabled: false,
      idleSeconds: 600,
    });
    expect(problemsOf({ CONSOLE: 'maybe', CONSOLE_SESSION_MAX_SECONDS: '10' })).toEqual([
      expect.stringMatching(/^CONSOLE:/),
      expect.stringMatching(/^CONSOLE_SESSION_MAX_SECONDS/),
    ]);
    expect(problemsOf({ CONSOLE_SESSION_IDLE_SECONDS: '7200', CONSOLE_SESSION_MAX_SECONDS: '3600' })).toEqual(
      [expect.stringMatching(/^CONSOLE_SESSION_IDLE_SECONDS: must not exceed/)],
    );
  });

  it('returns a frozen object', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.particle)).toBe(true);
  });
});
