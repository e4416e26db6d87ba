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
}

export interface RecordedRequest {
  method: string;
  path: string;
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
