import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { leakRecorder } from './leak-check/recorder.js';
import type { SecretKind } from './leak-check/records.js';
import { faultReply, FaultRegistry } from './particle-fake/faults.js';
import {
  basicCredentials,
  mediaType,
  parseForm,
  presentedClientCredentials,
  readBody,
  writeReply,
} from './particle-fake/replies.js';
import { routeCall, TOKEN_PATH } from './particle-fake/router.js';
import type { FakeState } from './particle-fake/state.js';
import { DEFAULT_LIFETIME_SECONDS } from './particle-fake/token-endpoint.js';
import { outcomeOf, TokenEndpointLimiter } from './particle-fake/token-limiter.js';
import { TokenStore } from './particle-fake/token-store.js';
import type {
  FakeClient,
  FakeUser,
  Fault,
  FaultOptions,
  IncomingCall,
  ParticleFakeOptions,
  RecordedRequest,
  Reply,
  TokenCallFilter,
} from './particle-fake/types.js';

export type {
  FakeClient,
  FakeUser,
  Fault,
  FaultOptions,
  ParticleFakeOptions,
  RecordedRequest,
  TokenCallFilter,
} from './particle-fake/types.js';

/** Request fields that carry credentials, so leak checks also know what the broker sent (§2.2). */
const SECRET_FIELDS: Record<string, SecretKind> = {
  password: 'password',
  otp: 'otp',
  client_secret: 'client_secret',
  refresh_token: 'refresh_token',
  mfa_token: 'mfa_token',
  code: 'authorization_code',
  access_token: 'access_token',
};

/**
 * A loopback HTTP server that answers like Particle's cloud as described in /work/shared/particle-cloud.md,
 * so the broker's tests exercise its real HTTP client, including timeouts, resets and rate limits.
 */
export class ParticleFake {
  /** What the consent step of the authorization-code flow decides (§4). */
  authorizeApprovals: 'approve' | 'deny' = 'approve';

  private readonly server: Server;
  private readonly now: () => number;
  private readonly latencyMs: number;
  private readonly state: FakeState;
  private readonly limiter: TokenEndpointLimiter;
  private readonly faults = new FaultRegistry();
  private readonly recorded: RecordedRequest[] = [];
  private readonly secrets = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private port = 0;
  private closing: Promise<void> | undefined;

  private constructor(options: ParticleFakeOptions) {
    this.now = options.now ?? Date.now;
    this.latencyMs = options.latencyMs ?? 0;
    this.state = {
      now: this.now,
      clients: new Map(),
      users: new Map(),
      tokens: new TokenStore(this.now, (kind, secret) => this.remember(kind, secret)),
      remember: (kind, secret) => this.remember(kind, secret),
      authorizeDecision: () => this.authorizeApprovals,
    };
    // §0.3 / §10: the documented per-IP limits are the defaults.
    this.limiter = new TokenEndpointLimiter(
      {
        tokenBudget: options.tokenBudget ?? 100,
        budgetWindowMs: options.budgetWindowMs ?? 5 * 60 * 1000,
        lockoutFailures: options.lockoutFailures ?? 10,
        lockoutMs: options.lockoutMs ?? 30 * 60 * 1000,
      },
      this.now,
    );
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        writeReply(res, { status: 500, json: { error: 'server_error', error_description: String(error) } });
      });
    });
  }

  static async start(options: ParticleFakeOptions = {}): Promise<ParticleFake> {
    const fake = new ParticleFake(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get requests(): ReadonlyArray<RecordedRequest> {
    return this.recorded;
  }

  get consecutiveFailures(): number {
    return this.limiter.consecutiveFailures;
  }

  get maxConsecutiveFailuresSeen(): number {
    return this.limiter.maxConsecutiveFailuresSeen;
  }

  get lockedOut(): boolean {
    return this.limiter.lockedOut;
  }

  /** Idempotent; ends held (timeout) requests and keep-alive sockets so no test waits on them. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  addClient(client: FakeClient): void {
    this.state.clients.set(client.id, { ...client });
    this.remember('client_secret', client.secret);
  }

  removeClient(id: string): void {
    this.state.clients.delete(id);
  }

  addUser(user: FakeUser): void {
    this.state.users.set(user.username, { ...user });
    this.remember('password', user.password);
    this.remember('otp', user.mfaSecretOtp);
  }

  /** Seeds a token as if Particle had issued it; expiring tokens get a refresh token, as on the wire. */
  issueToken(options: { clientId?: string; username?: string; scope?: string; expiresInSeconds?: number }): {
    accessToken: string;
    refreshToken?: string;
  } {
    const clientId = options.clientId ?? 'particle';
    const seconds = options.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS;
    return this.state.tokens.issue({
      clientId,
      refreshable: this.state.clients.get(clientId)?.kind === 'product',
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.scope === undefined ? {} : { scope: options.scope }),
      expiresAt: seconds === 0 ? null : this.now() + seconds * 1000,
    });
  }

  revokeToken(accessToken: string): void {
    this.state.tokens.revoke(accessToken);
  }

  expireToken(accessToken: string): void {
    this.state.tokens.expire(accessToken);
  }

  injectFault(fault: Fault, options?: FaultOptions): void {
    this.faults.add(fault, options);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Forgets traffic, counters, the lockout and faults; clients, users and tokens stay. */
  reset(): void {
    this.recorded.length = 0;
    this.limiter.reset();
    this.faults.clear();
  }

  /** POST /oauth/token calls; `ok` means answered 200, so MFA challenges and swallowed calls are not ok. */
  tokenCalls(filter: TokenCallFilter = {}): number {
    return this.tokenRequests().filter((request) => {
      const { clientId } = presentedClientCredentials(request.headers, request.form);
      return (
        (filter.grantType === undefined || request.form?.grant_type === filter.grantType) &&
        (filter.clientId === undefined || clientId === filter.clientId) &&
        (filter.ok === undefined || (request.status === 200) === filter.ok)
      );
    }).length;
  }

  /** Token calls that presented exactly this pair, accepted or not: a stale secret shows after rotation. */
  secretUses(clientId: string, secret: string): number {
    return this.tokenRequests().filter((request) => {
      const presented = presentedClientCredentials(request.headers, request.form);
      return presented.clientId === clientId && presented.secret === secret;
    }).length;
  }

  allIssuedSecrets(): string[] {
    return [...this.secrets];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const form = mediaType(req.headers) === 'application/x-www-form-urlencoded' ? parseForm(body) : undefined;
    const call: IncomingCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      ...(form ? { form } : {}),
    };
    const record: RecordedRequest = {
      method: call.method,
      path: call.path,
      headers: { ...req.headers },
      body,
      ...(form ? { form } : {}),
      at: this.now(),
      status: 0,
    };
    this.recorded.push(record);
    this.rememberReceived(call);

    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    const fault = this.faults.take(call.path);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    // Held until the client aborts or close() drops every connection.
    if (fault?.kind === 'timeout') return;
    if (fault?.kind === 'slow') await this.sleep(fault.ms);

    const reply = this.answer(call, fault?.kind === 'status' ? faultReply(fault) : undefined);
    record.status = reply.status;
    if (fault?.kind === 'late_reply') await this.sleep(fault.ms);
    writeReply(res, reply);
  }

  private answer(call: IncomingCall, injected: Reply | undefined): Reply {
    const tokenCall = call.method === 'POST' && call.path === TOKEN_PATH;
    if (!tokenCall) return injected ?? routeCall(this.state, call);
    // §0.3: injected errors on the token endpoint count as failed token requests, like real ones.
    if (injected) {
      this.limiter.record(outcomeOf(injected));
      return injected;
    }
    const refusal = this.limiter.admit();
    if (refusal) {
      this.limiter.record(refusal.outcome);
      return refusal.reply;
    }
    const reply = routeCall(this.state, call);
    this.limiter.record(outcomeOf(reply));
    return reply;
  }

  private tokenRequests(): RecordedRequest[] {
    return this.recorded.filter((request) => request.method === 'POST' && request.path === TOKEN_PATH);
  }

  private rememberReceived(call: IncomingCall): void {
    for (const [field, kind] of Object.entries(SECRET_FIELDS)) this.remember(kind, call.form?.[field]);
    this.remember('access_token', call.query.get('access_token') ?? undefined);
    const authorization = call.headers.authorization;
    this.remember('client_secret', basicCredentials(authorization)?.secret);
    this.remember('access_token', /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1]);
  }

  /** Kept here for the per-file checks, and in the run's records for the whole-run one. */
  private remember(kind: SecretKind, secret: string | undefined): void {
    if (!secret) return;
    this.secrets.add(secret);
    leakRecorder.secret(kind, secret);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
