import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { leakRecorder } from './leak-check/recorder.js';
import type { SecretKind } from './leak-check/records.js';
import { deviceRecord } from './particle-fake/devices.js';
import { EventHub } from './particle-fake/event-hub.js';
import { publishedEvent } from './particle-fake/event-routes.js';
import { faultReply, FaultRegistry } from './particle-fake/faults.js';
import { limitsFrom } from './particle-fake/limits.js';
import {
  isTokenCall,
  matchesTokenFilter,
  parseCall,
  presentedBearer,
  presentsClientSecret,
  presentedSecrets,
} from './particle-fake/incoming.js';
import { readBody, writeReply } from './particle-fake/replies.js';
import { routeCall } from './particle-fake/router.js';
import type { FakeState } from './particle-fake/state.js';
import { handleTokenRequest, seedToken } from './particle-fake/token-endpoint.js';
import type { TokenEndpointLimiter } from './particle-fake/token-limiter.js';
import { TokenStore } from './particle-fake/token-store.js';
import type {
  FakeClient,
  FakeDevice,
  FakeEvent,
  FakeProduct,
  FakeUser,
  Fault,
  FaultOptions,
  IncomingCall,
  ParticleFakeOptions,
  RecordedRequest,
  Reply,
  RouteResult,
  TokenCallFilter,
} from './particle-fake/types.js';
import { rateLimited, type WindowBudget } from './particle-fake/window-budget.js';

export type {
  FakeClient,
  FakeDevice,
  FakeEvent,
  FakeProduct,
  FakeUser,
  Fault,
  FaultOptions,
  ParticleFakeOptions,
  RecordedRequest,
  TokenCallFilter,
  VariableValue,
} from './particle-fake/types.js';
export { KEEP_ALIVE, STREAM_OPENING } from './particle-fake/event-hub.js';

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
  private readonly apiBudget: WindowBudget;
  private readonly faults = new FaultRegistry();
  private readonly recorded: RecordedRequest[] = [];
  private readonly secrets = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private port = 0;
  private closing: Promise<void> | undefined;

  private constructor(options: ParticleFakeOptions) {
    this.now = options.now ?? Date.now;
    this.latencyMs = options.latencyMs ?? 0;
    const limits = limitsFrom(options, this.now);
    this.limiter = limits.token;
    this.apiBudget = limits.api;
    this.state = {
      now: this.now,
      clients: new Map(),
      users: new Map(),
      tokens: new TokenStore(this.now, (kind, secret) => this.remember(kind, secret)),
      devices: new Map(),
      products: new Map(),
      events: new EventHub(limits.streams, this.now),
      remember: (kind, secret) => this.remember(kind, secret),
      authorizeDecision: () => this.authorizeApprovals,
    };
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

  /** Idempotent; ends event streams, held (timeout) requests and keep-alive sockets so no test waits. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      this.state.events.drop();
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
    return seedToken(this.state, options);
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

  /** A device of a user (`owner`) or of a product (`productId`), or both once a customer claimed it. */
  addDevice(device: FakeDevice): void {
    this.state.devices.set(device.id, deviceRecord(device, this.now()));
  }

  /** An offline device still lists, but its calls and reads answer 408 (§11). */
  setDeviceOnline(id: string, online: boolean): void {
    const device = this.state.devices.get(id);
    if (!device) throw new Error(`no fake device ${id}`);
    device.online = online;
  }

  addProduct(product: FakeProduct): void {
    this.state.products.set(product.id, { ...product, members: [...(product.members ?? [])] });
  }

  /** Sends the event to every open stream whose path and token it matches; returns how many. */
  publish(event: FakeEvent): number {
    return this.state.events.publish(publishedEvent(this.state, event));
  }

  /** Cuts every open stream (cleanly, or by destroying the sockets); returns how many. */
  dropStreams(options: { abrupt?: boolean } = {}): number {
    return this.state.events.drop(options.abrupt);
  }

  /** Event streams open now, on every path or on one (the path without its query). */
  openStreams(path?: string): number {
    return this.state.events.openCount(path);
  }

  /** Event streams opened since the start or the last reset(); refused opens do not count. */
  streamOpens(path?: string): number {
    return this.state.events.openedCount(path);
  }

  /** Forgets traffic, counters, the lockout, the limits' windows and faults; the rest stays, streams too. */
  reset(): void {
    this.recorded.length = 0;
    this.limiter.reset();
    this.apiBudget.reset();
    this.state.events.resetCounters();
    this.faults.clear();
  }

  /** POST /oauth/token calls; `ok` means answered 200, so MFA challenges and swallowed calls are not ok. */
  tokenCalls(filter: TokenCallFilter = {}): number {
    return this.tokenRequests().filter((request) => matchesTokenFilter(request, filter)).length;
  }

  /** Token calls that presented exactly this pair, accepted or not: a stale secret shows after rotation. */
  secretUses(clientId: string, secret: string): number {
    return this.tokenRequests().filter((request) => presentsClientSecret(request, clientId, secret)).length;
  }

  allIssuedSecrets(): string[] {
    return [...this.secrets];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { call, record } = parseCall(req, await readBody(req), this.now());
    this.recorded.push(record);
    for (const [kind, secret] of presentedSecrets(call)) this.remember(kind, secret);

    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    const fault = this.faults.take({
      method: call.method,
      path: call.path,
      accessToken: presentedBearer(call),
    });
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    // Held until the client aborts or close() drops every connection.
    if (fault?.kind === 'timeout') return;
    if (fault?.kind === 'slow') await this.sleep(fault.ms);

    const result = this.answer(call, fault?.kind === 'status' ? faultReply(fault) : undefined);
    record.status = result.status;
    if (fault?.kind === 'late_reply') await this.sleep(fault.ms);
    if ('stream' in result) this.state.events.attach(res, result.stream);
    else writeReply(res, result);
  }

  private answer(call: IncomingCall, injected: Reply | undefined): RouteResult {
    if (!isTokenCall(call)) {
      // §10: the load balancer counts every other route, event streams included, before any answer.
      if (!this.apiBudget.admit()) return rateLimited();
      return injected ?? routeCall(this.state, call);
    }
    return this.limiter.answer(injected, () => handleTokenRequest(this.state, call));
  }

  private tokenRequests(): RecordedRequest[] {
    return this.recorded.filter(isTokenCall);
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
