import type { LoggerService } from '@nestjs/common';
import { type TestingModule } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../../src/common/clock.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { ParticleClient } from '../../src/particle/particle.client.js';
import {
  classifyFailedAnswer,
  InvalidClientError,
  InvalidGrantError,
  InvalidTokenError,
  MfaRequiredError,
  RateLimitedError,
  RejectedError,
  toApiError,
  UnavailableError,
} from '../../src/particle/particle.errors.js';
import { TokenEndpointGuard } from '../../src/particle/token-endpoint-guard.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ParticleFake, type FakeClient, type FakeUser } from '../support/particle-fake.js';
import { UNSHARED_CALL } from '../support/egress-call.js';
import { rejection } from '../support/rejection.js';
import { startParticleModule } from '../support/particle-module.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const WEB_REDIRECT = 'https://broker.example/oauth/callback';
const PRODUCT: FakeClient = {
  id: 'product-client',
  secret: 'product-secret-1f2e',
  kind: 'product',
  productId: 1234,
};
const USER_CLIENT: FakeClient = { id: 'particle', secret: 'particle-secret-0d1c', kind: 'user' };
const WEB: FakeClient = {
  id: 'web-client',
  secret: 'web-secret-9a8b',
  kind: 'user',
  type: 'web',
  redirectUri: WEB_REDIRECT,
};
const ALICE: FakeUser = { username: 'alice@example.com', password: 'alice-password-7c6d' };
const BOB: FakeUser = { username: 'bob@example.com', password: 'bob-password-5e4f', mfaSecretOtp: '482913' };
const CAROL: FakeUser = { username: 'carol@example.com', password: 'carol-password-3a2b', sso: true };

const creds = (c: FakeClient) => ({ clientId: c.id, clientSecret: c.secret });

class TestClock extends Clock {
  private ms = START;
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Collects every log line, so the test can prove no secret reaches the logs. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (...args: unknown[]) => void this.lines.push(JSON.stringify(args));
  error = (...args: unknown[]) => void this.lines.push(JSON.stringify(args));
  warn = (...args: unknown[]) => void this.lines.push(JSON.stringify(args));
  debug = (...args: unknown[]) => void this.lines.push(JSON.stringify(args));
  verbose = (...args: unknown[]) => void this.lines.push(JSON.stringify(args));
}

let db: TestDatabase;
let fake: ParticleFake;
let moduleRef: TestingModule;
let client: ParticleClient;
let guard: TokenEndpointGuard;
const clock = new TestClock();
const logger = new CapturingLogger();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  db = await createTestDatabase();
  fake = await ParticleFake.start({ now: () => clock.now().getTime() });
  for (const c of [PRODUCT, USER_CLIENT, WEB]) fake.addClient(c);
  for (const u of [ALICE, BOB, CAROL]) fake.addUser(u);
  moduleRef = await startParticleModule({
    databaseUrl: db.url,
    particleUrl: fake.url,
    clock,
    logger,
    env: {
      PARTICLE_TIMEOUT_MS: '1000',
      // This file provokes many failures on purpose; the guard's own behaviour is tested elsewhere.
      PARTICLE_MAX_CONSECUTIVE_FAILURES: '9',
      PARTICLE_TOKEN_BUDGET: '100',
    },
  });
  client = moduleRef.get(ParticleClient);
  guard = moduleRef.get(TokenEndpointGuard);
});

beforeEach(async () => {
  fake.reset();
  await guard.reset();
});

afterEach(async () => {
  // Let any stray promise settle before checking that none was left rejected and unhandled.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await moduleRef?.close();
  await fake?.close();
  await db?.drop();
});

describe(ParticleClient.name, () => {
  describe('token', () => {
    it('posts a form-encoded body and authenticates the client by HTTP Basic only', async () => {
      await client.token(creds(PRODUCT), { type: 'client_credentials', expiresIn: 3600 }, UNSHARED_CALL);

      const sent = fake.requests.at(-1);
      expect(sent?.method).toBe('POST');
      expect(sent?.path).toBe('/oauth/token');
      expect(sent?.headers['content-type']).toContain('application/x-www-form-urlencoded');
      expect(sent?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${PRODUCT.id}:${PRODUCT.secret}`).toString('base64')}`,
      );
      expect(sent?.form).toEqual({ grant_type: 'client_credentials', expires_in: '3600' });
      expect(fake.secretUses(PRODUCT.id, PRODUCT.secret)).toBe(1);
    });

    it('returns a token set for a password login, expiring by the injected clock', async () => {
      const set = await client.token(
        creds(USER_CLIENT),
        {
          type: 'password',
          username: ALICE.username,
          password: ALICE.password,
          expiresIn: 3600,
        },
        UNSHARED_CALL,
      );

      expect(set).toEqual({
        accessToken: expect.any(String) as unknown,
        refreshToken: expect.any(String) as unknown,
        expiresAt: new Date(START + 3600 * 1000),
        scope: null,
      });
      expect(fake.requests.at(-1)?.form).toMatchObject({ username: ALICE.username, expires_in: '3600' });
      expect(await client.currentToken(set.accessToken)).toEqual({
        expiresAt: set.expiresAt,
        clientId: USER_CLIENT.id,
      });
    });

    it('returns a never-expiring token set, without a refresh token, for expires_in=0', async () => {
      const set = await client.token(
        creds(USER_CLIENT),
        {
          type: 'password',
          username: ALICE.username,
          password: ALICE.password,
          expiresIn: 0,
        },
        UNSHARED_CALL,
      );

      expect(set.expiresAt).toBeNull();
      expect(set.refreshToken).toBeNull();
      expect(await client.currentToken(set.accessToken)).toEqual({
        expiresAt: null,
        clientId: USER_CLIENT.id,
      });
    });

    it('completes an MFA login: mfa_required carries the token that the OTP step redeems', async () => {
      const challenge = await rejection(
        client.token(
          creds(USER_CLIENT),
          {
            type: 'password',
            username: BOB.username,
            password: BOB.password,
            expiresIn: 7200,
          },
          UNSHARED_CALL,
        ),
      );
      expect(challenge).toBeInstanceOf(MfaRequiredError);
      const mfaToken = (challenge as MfaRequiredError).mfaToken;
      expect(mfaToken).toEqual(expect.any(String));
      expect(JSON.stringify(challenge)).not.toContain(mfaToken);

      const set = await client.token(
        creds(USER_CLIENT),
        {
          type: 'mfa_otp',
          mfaToken,
          otp: BOB.mfaSecretOtp ?? '',
        },
        UNSHARED_CALL,
      );

      expect(fake.requests.at(-1)?.form).toEqual({
        grant_type: 'urn:custom:mfa-otp',
        mfa_token: mfaToken,
        otp: '482913',
      });
      expect(set.expiresAt).toEqual(new Date(START + 7200 * 1000));
    });

    it('mints customer-scoped product tokens and refreshes them with the same client', async () => {
      const customer = await client.token(
        creds(PRODUCT),
        {
          type: 'client_credentials',
          scope: 'customer=jane@example.com',
        },
        UNSHARED_CALL,
      );
      const renewed = await client.token(
        creds(PRODUCT),
        {
          type: 'refresh_token',
          refreshToken: customer.refreshToken ?? '',
        },
        UNSHARED_CALL,
      );

      expect(customer.scope).toBe('customer=jane@example.com');
      expect(customer.expiresAt).toEqual(new Date(START + 7_776_000 * 1000));
      expect(renewed.scope).toBe('customer=jane@example.com');
      expect(renewed.accessToken).not.toBe(customer.accessToken);
      expect(renewed.refreshToken).not.toBe(customer.refreshToken);
      expect(fake.requests.at(-1)?.form).toEqual({
        grant_type: 'refresh_token',
        refresh_token: customer.refreshToken,
      });
    });

    it('exchanges an authorization code', async () => {
      const query = new URLSearchParams({
        client_id: WEB.id,
        response_type: 'code',
        redirect_uri: WEB_REDIRECT,
      });
      const consent = await fetch(`${fake.url}/oauth/authorize?${query.toString()}`, { redirect: 'manual' });
      const code = new URL(consent.headers.get('location') ?? 'missing:').searchParams.get('code') ?? '';

      const set = await client.token(
        creds(WEB),
        {
          type: 'authorization_code',
          code,
          redirectUri: WEB_REDIRECT,
        },
        UNSHARED_CALL,
      );

      expect(set.accessToken).toEqual(expect.any(String));
      expect(fake.requests.at(-1)?.form).toEqual({
        grant_type: 'authorization_code',
        code,
        redirect_uri: WEB_REDIRECT,
      });
      expect((await client.currentToken(set.accessToken)).clientId).toBe(WEB.id);
    });
  });

  describe('errors', () => {
    it('classifies Particle’s refusals into typed errors and public problems', async () => {
      const wrongPassword = await rejection(
        client.token(
          creds(USER_CLIENT),
          { type: 'password', username: ALICE.username, password: 'guess' },
          UNSHARED_CALL,
        ),
      );
      const badSecret = await rejection(
        client.token(
          { ...creds(PRODUCT), clientSecret: 'stale' },
          { type: 'client_credentials' },
          UNSHARED_CALL,
        ),
      );
      const wrongOtp = await rejection(
        client.token(creds(USER_CLIENT), { type: 'mfa_otp', mfaToken: 'x', otp: '000000' }, UNSHARED_CALL),
      );
      const badScope = await rejection(
        client.token(creds(PRODUCT), { type: 'client_credentials', scope: 'devices:list' }, UNSHARED_CALL),
      );
      const sso = await rejection(
        client.token(
          creds(USER_CLIENT),
          {
            type: 'password',
            username: CAROL.username,
            password: CAROL.password,
          },
          UNSHARED_CALL,
        ),
      );
      const unknownToken = await rejection(client.currentToken('f'.repeat(40)));

      expect(wrongPassword).toBeInstanceOf(InvalidGrantError);
      expect(wrongPassword).toMatchObject({
        status: 400,
        particleError: 'invalid_grant',
        description: 'User credentials are invalid',
      });
      expect(badSecret).toBeInstanceOf(InvalidClientError);
      expect(badSecret).toMatchObject({ status: 400, particleError: 'invalid_client' });
      expect(wrongOtp).toMatchObject({ kind: 'invalid_grant', status: 400 });
      expect(badScope).toBeInstanceOf(RejectedError);
      expect(badScope).toMatchObject({ status: 400, particleError: 'invalid_scope' });
      expect(sso).toMatchObject({ kind: 'rejected', status: 403, particleError: 'sso_user' });
      expect(unknownToken).toBeInstanceOf(InvalidTokenError);
      expect(unknownToken).toMatchObject({ status: 401, particleError: 'invalid_token' });
      expect([wrongPassword, unknownToken].map((e) => toApiError(e).code)).toEqual([
        'reauth_required',
        'reauth_required',
      ]);
      expect([badSecret, badScope, sso].map((e) => [toApiError(e).code, toApiError(e).status])).toEqual([
        ['upstream_rejected', 502],
        ['upstream_rejected', 502],
        ['upstream_rejected', 502],
      ]);
    });

    it('reports 500s, HTML pages, timeouts and resets as unavailable and a 429 as rate_limited', async () => {
      const attempt = () =>
        rejection(client.token(creds(PRODUCT), { type: 'client_credentials' }, UNSHARED_CALL));
      fake.injectFault({ kind: 'status', status: 500 }, { path: '/oauth/token', times: 1 });
      const serverError = await attempt();
      fake.injectFault({ kind: 'status', status: 502, html: true }, { path: '/oauth/token', times: 1 });
      const htmlPage = await attempt();
      fake.injectFault({ kind: 'status', status: 400, html: true }, { path: '/oauth/token', times: 1 });
      const html400 = await attempt();
      fake.injectFault({ kind: 'timeout' }, { path: '/oauth/token', times: 1 });
      const timeout = await attempt();
      fake.injectFault({ kind: 'reset' }, { path: '/oauth/token', times: 1 });
      const reset = await attempt();
      fake.injectFault({ kind: 'status', status: 429 }, { path: '/oauth/token', times: 1 });
      const limited = await attempt();

      expect([serverError, htmlPage, html400, timeout, reset].map((e) => e.kind)).toEqual(
        Array(5).fill('unavailable'),
      );
      expect(serverError).toMatchObject({ status: 500, particleError: 'server_error' });
      expect(htmlPage).toMatchObject({ status: 502, particleError: undefined });
      expect(timeout).toBeInstanceOf(UnavailableError);
      expect(timeout.description).toBe('Particle did not answer within 1000 ms');
      expect(reset.status).toBeUndefined();
      expect(limited).toBeInstanceOf(RateLimitedError);
      expect((limited as RateLimitedError).retryAfterSeconds).toBeUndefined();
      const problem = toApiError(limited);
      expect([problem.code, problem.status, problem.retryAfterSeconds]).toEqual([
        'upstream_unavailable',
        503,
        30,
      ]);
      expect(toApiError(reset).retryAfterSeconds).toBe(30);
      // Every one of them counts against the lockout, timeouts and resets included.
      expect((await guard.state()).consecutiveFailures).toBe(6);
      expect(fake.tokenCalls()).toBe(6);
    });

    it('reads Retry-After as seconds or as an HTTP date', () => {
      const now = new Date(START);
      const seconds = classifyFailedAnswer({ status: 429, headers: { 'retry-after': '120' }, body: '' }, now);
      const date = classifyFailedAnswer(
        { status: 429, headers: { 'retry-after': new Date(START + 90_000).toUTCString() }, body: '' },
        now,
      );

      expect(seconds).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 120 });
      expect(date).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 90 });
      expect(toApiError(seconds).retryAfterSeconds).toBe(120);
    });
  });

  describe('access tokens', () => {
    it('reads expiry and client of the current token, and revokes it, treating 401 as already revoked', async () => {
      const { accessToken } = fake.issueToken({ clientId: PRODUCT.id, expiresInSeconds: 60 });

      const current = await client.currentToken(accessToken);
      await client.revokeCurrent(accessToken);
      const after = await rejection(client.currentToken(accessToken));
      await client.revokeCurrent(accessToken);

      expect(current).toEqual({ expiresAt: new Date(START + 60_000), clientId: PRODUCT.id });
      expect(after).toBeInstanceOf(InvalidTokenError);
      const deletes = fake.requests.filter((r) => r.method === 'DELETE');
      expect(deletes.map((r) => [r.path, r.status, r.headers.authorization])).toEqual([
        ['/v1/access_tokens/current', 200, `Bearer ${accessToken}`],
        ['/v1/access_tokens/current', 401, `Bearer ${accessToken}`],
      ]);
    });

    it('does not pass the token endpoint guard', async () => {
      const { accessToken } = fake.issueToken({ clientId: PRODUCT.id });
      const before = await guard.state();

      await client.currentToken(accessToken);

      expect((await guard.state()).budgetRemaining).toBe(before.budgetRemaining);
    });
  });

  describe('OAuth clients', () => {
    it('creates a product client whose secret works, deletes it, and treats 404 as already deleted', async () => {
      const { accessToken } = fake.issueToken({ username: ALICE.username });

      const created = await client.createClient(accessToken, {
        productId: '1234',
        name: 'Broker rotation',
        type: 'installed',
        scope: '*:*',
      });
      const minted = await client.token(
        { clientId: created.clientId, clientSecret: created.secret },
        { type: 'client_credentials' },
        UNSHARED_CALL,
      );
      await client.deleteClient(accessToken, { productId: '1234', clientId: created.clientId });
      await client.deleteClient(accessToken, { productId: '1234', clientId: created.clientId });
      const afterDelete = await rejection(
        client.token(
          { clientId: created.clientId, clientSecret: created.secret },
          { type: 'client_credentials' },
          UNSHARED_CALL,
        ),
      );

      expect(created).toEqual({
        clientId: expect.stringMatching(/^broker-rotation-\d{4}$/) as unknown,
        secret: expect.any(String) as unknown,
        name: 'Broker rotation',
        type: 'installed',
        redirectUri: null,
      });
      const create = fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/products/1234/clients');
      expect(create?.headers['content-type']).toContain('application/json');
      expect(JSON.parse(create?.body ?? '{}')).toEqual({
        name: 'Broker rotation',
        type: 'installed',
        scope: '*:*',
      });
      expect(minted.accessToken).toEqual(expect.any(String));
      expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([204, 404]);
      expect(afterDelete).toBeInstanceOf(InvalidClientError);
    });

    it('creates a user-level web client with its redirect URI', async () => {
      const { accessToken } = fake.issueToken({ username: ALICE.username });

      const created = await client.createClient(accessToken, {
        name: 'Connect',
        type: 'web',
        redirectUri: WEB_REDIRECT,
      });
      await client.deleteClient(accessToken, { clientId: created.clientId });

      expect(created).toMatchObject({ type: 'web', redirectUri: WEB_REDIRECT, name: 'Connect' });
      expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        'POST /v1/clients 200',
        `DELETE /v1/clients/${created.clientId} 204`,
      ]);
    });

    it('reports a dead bearer token as invalid_token and a bad request as rejected', async () => {
      const dead = await rejection(client.createClient('d'.repeat(40), { name: 'X', type: 'installed' }));
      const { accessToken } = fake.issueToken({ username: ALICE.username });
      const noRedirect = await rejection(client.createClient(accessToken, { name: 'X', type: 'web' }));

      expect(dead).toBeInstanceOf(InvalidTokenError);
      expect(noRedirect).toMatchObject({ kind: 'rejected', status: 400, particleError: 'invalid_request' });
    });
  });

  describe('observability', () => {
    it('counts requests by endpoint and outcome, and never logs a secret', async () => {
      await client.token(creds(PRODUCT), { type: 'client_credentials' }, UNSHARED_CALL);
      await rejection(
        client.token(
          creds(USER_CLIENT),
          { type: 'password', username: ALICE.username, password: 'typo-pw' },
          UNSHARED_CALL,
        ),
      );
      const registry = moduleRef.get(MetricsService).registry;

      const requests = await registry.getSingleMetricAsString('broker_particle_requests_total');
      const durations = await registry.getSingleMetricAsString('broker_particle_request_duration_seconds');

      expect(requests).toMatch(/broker_particle_requests_total\{endpoint="token",outcome="ok"\} [1-9]/);
      expect(requests).toMatch(
        /broker_particle_requests_total\{endpoint="token",outcome="invalid_grant"\} [1-9]/,
      );
      expect(durations).toMatch(/broker_particle_request_duration_seconds_count\{endpoint="token"\} [1-9]/);
      expect(logger.lines.some((line) => line.includes('/oauth/token'))).toBe(true);
      const logs = logger.lines.join('\n');
      // A one-letter secret some spec above sent ('x') is in any log line naming OutboxModule.
      const leaked = fake.allIssuedSecrets().filter((secret) => secret.length >= 8 && logs.includes(secret));
      expect(leaked).toEqual([]);
    });
  });
});
