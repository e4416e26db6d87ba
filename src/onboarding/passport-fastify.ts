import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The part of an Express request that passport strategies read. passport-oauth2 reads `query` and
 * `body` (code, state, error), and `headers`, `url` and `connection` only to resolve a relative
 * callback URL.
 */
export interface ExpressLikeRequest {
  method: string;
  url: string;
  originalUrl: string;
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
  body: unknown;
  socket: Socket;
  connection: Socket;
}

/** A passport strategy, as passport-strategy defines it: `authenticate` ends by calling one action. */
export interface PassportStrategy {
  authenticate(req: ExpressLikeRequest, options?: Record<string, unknown>): void;
}

/** The actions passport's own middleware attaches to a strategy before calling `authenticate`. */
interface StrategyActions {
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  redirect(url: string, status?: number): void;
  pass(): void;
  error(err: unknown): void;
}

/** How `authenticate` ended: the first action the strategy called. */
export type StrategyResult<TUser = unknown> =
  | { kind: 'redirect'; url: string; status: number }
  | { kind: 'success'; user: TUser; info: unknown }
  | { kind: 'fail'; challenge: unknown; status: number | undefined }
  | { kind: 'pass' }
  | { kind: 'error'; error: unknown };

export function expressLike(request: FastifyRequest): ExpressLikeRequest {
  const query = request.query && typeof request.query === 'object' ? request.query : {};
  return {
    method: request.method,
    url: request.url,
    originalUrl: request.url,
    headers: request.headers,
    query: { ...(query as Record<string, unknown>) },
    body: request.body,
    socket: request.raw.socket,
    connection: request.raw.socket,
  };
}

/**
 * Runs a passport strategy against a Fastify request without Express or passport's middleware, whose
 * redirect writes through `res.setHeader`/`res.end` and fails on Fastify (stack-notes.md). Like passport
 * itself, it calls `authenticate` on an object derived from the strategy that carries the actions, so
 * the strategy instance is never mutated and may be shared. The caller answers the HTTP request.
 *
 * `TUser` is what the strategy's verify callback produces; the caller vouches for it. `overrides`
 * replaces parts of the request the strategy sees (e.g. an empty query where none is meaningful).
 */
export function runStrategy<TUser = unknown>(
  strategy: PassportStrategy,
  request: FastifyRequest,
  options: Record<string, unknown> = {},
  overrides: Partial<ExpressLikeRequest> = {},
): Promise<StrategyResult<TUser>> {
  return new Promise((resolve) => {
    let settled = false;
    // Only the first action counts, as in passport: a strategy that calls two is buggy, not ambiguous.
    const settle = (result: StrategyResult<TUser>): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const actions: StrategyActions = {
      success: (user, info) => settle({ kind: 'success', user: user as TUser, info }),
      fail: (challenge, status) =>
        // passport accepts fail(status) as well as fail(challenge, status).
        typeof challenge === 'number'
          ? settle({ kind: 'fail', challenge: undefined, status: challenge })
          : settle({ kind: 'fail', challenge, status }),
      redirect: (url, status) => settle({ kind: 'redirect', url, status: status ?? 302 }),
      pass: () => settle({ kind: 'pass' }),
      error: (err) => settle({ kind: 'error', error: err }),
    };
    const driven = Object.assign(Object.create(strategy) as PassportStrategy, actions);
    try {
      driven.authenticate({ ...expressLike(request), ...overrides }, options);
    } catch (err) {
      settle({ kind: 'error', error: err });
    }
  });
}
