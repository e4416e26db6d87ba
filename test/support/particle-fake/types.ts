import type { IncomingHttpHeaders } from 'node:http';

export interface FakeClient {
  id: string;
  secret: string;
  kind: 'product' | 'user';
  type?: 'installed' | 'web';
  productId?: number;
  name?: string;
  redirectUri?: string;
  scope?: string;
}

export interface FakeUser {
  username: string;
  password: string;
  /** The single OTP accepted at the MFA step; setting it turns MFA on for this user. */
  mfaSecretOtp?: string;
  sso?: boolean;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; html?: boolean }
  /** Never answers until the client aborts or the fake closes. */
  | { kind: 'timeout' }
  | { kind: 'slow'; ms: number }
  /**
   * Answered, and counted by the lockout counter, as it arrives; the answer then takes `ms` to leave
   * (slow on its way back), so calls sent meanwhile are counted after it.
   */
  | { kind: 'late_reply'; ms: number }
  /** Destroys the socket without an answer. */
  | { kind: 'reset' };

export interface FaultOptions {
  /** A string matches as a path prefix; a RegExp is searched in the path (no query). */
  path?: string | RegExp;
  method?: string;
  /** Only requests presenting this bearer token: one tenant's calls fail while the others' succeed. */
  accessToken?: string;
  times?: number;
  /** Probability in 0..1 that a matching request is hit. */
  rate?: number;
}

export interface ParticleFakeOptions {
  tokenBudget?: number;
  lockoutFailures?: number;
  budgetWindowMs?: number;
  lockoutMs?: number;
  latencyMs?: number;
  now?: () => number;
  /**
   * §10's general limit (10,000 per 5 minutes) on every route but the token endpoint. Off unless given:
   * benches send more than that to one fake, and a test's frozen clock would never roll the window.
   */
  apiBudget?: number;
  apiWindowMs?: number;
  /** §16: 100 simultaneous event streams, 100 opens per 5 minutes. */
  streamLimit?: number;
  streamOpenBudget?: number;
  streamWindowMs?: number;
  /** §16: Particle sends a keep-alive comment about every 60 s. */
  keepAliveMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string without its `?`, as sent: what a proxy forwarded (the SDK's stream `nonce`, paging). */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  form?: Record<string, string>;
  at: number;
  /** 0 while unanswered, and for ever when a timeout or reset fault swallowed the request. */
  status: number;
}

export interface TokenCallFilter {
  grantType?: string;
  clientId?: string;
  ok?: boolean;
}

/** A parsed request, as the routes see it. */
export interface IncomingCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Present only for application/x-www-form-urlencoded bodies. */
  form?: Record<string, string>;
}

export type VariableValue = string | number | boolean;

export interface FakeDevice {
  /** Particle's are 24 hex characters; any string works here. */
  id: string;
  name: string;
  /** The username that claimed it; a product device may have none. */
  owner?: string;
  productId?: number;
  /** Defaults to true. */
  online?: boolean;
  /** Defaults to 12 (Argon). */
  platformId?: number;
  cellular?: boolean;
  /** What the firmware exposes; the function's number is the call's `return_value`. */
  functions?: Record<string, (arg: string) => number>;
  /** A function is read at each request, for values that change. */
  variables?: Record<string, VariableValue | (() => VariableValue)>;
}

/** Only needed for a slug in paths or for team members: product clients reach their product without it. */
export interface FakeProduct {
  id: number;
  slug?: string;
  /** Usernames whose tokens reach the product's devices and events. */
  members?: string[];
}

/** A test's event, as a device (or the API, without `coreid`) would publish it. */
export interface FakeEvent {
  name: string;
  data?: string;
  /** A known device id also supplies the owner and product; defaults to "api", as Particle says. */
  coreid?: string;
  product?: number;
  /** Whose user streams (`/v1/events`, `/v1/devices/events`) see it, when no known device says. */
  username?: string;
  ttl?: number;
}

/** An event on its way to the streams, with who may see it. */
export interface PublishedEvent {
  name: string;
  data: string | null;
  ttl: number;
  publishedAt: number;
  coreid: string;
  product?: number;
  owner?: string;
}

/** An event stream a route accepted; the hub writes to it each event it accepts. */
export interface EventSubscription {
  path: string;
  accepts(event: PublishedEvent): boolean;
}

/** A route's answer that stays open: the server hands the response to the event hub. */
export interface StreamReply {
  status: 200;
  stream: EventSubscription;
}

/**
 * What a route decided to answer. Routes return it instead of writing, so the server can record the
 * status and feed the token endpoint's failure counter before anything reaches the socket.
 */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** The OAuth `error` code, when the reply is one; lets the limiter tell the MFA step from a failure. */
  error?: string;
}

export type RouteResult = Reply | StreamReply;
