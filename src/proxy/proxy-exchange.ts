import type { Principal } from '../auth/principal.js';
import type { CachedToken } from '../token-store/token-cache.js';
import type { ByteCount, ProxyBody } from './proxy-body.js';
import type { Subscriber } from './streams/upstream-stream.js';

const TENANTS_PREFIX = '/v1/tenants/';
const PARTICLE_SEGMENT = '/particle';

/** One proxied request as it goes: what the answer, the audit row and the metrics need. */
export interface Exchange {
  readonly principal: Principal;
  readonly tenantId: string;
  /** The Particle path (after `/particle`), raw as the caller sent it, without the query. */
  readonly path: string;
  body: ProxyBody;
  token: CachedToken | undefined;
  retried: boolean;
  upstreamStatus: number | null;
  /** Names of Particle's headers copied onto the reply: removed again if the broker answers instead. */
  copied: string[];
  /** The answer's length, or what counts it as it goes (a body without a length, a stream subscriber). */
  bytes: number | ByteCount | Subscriber | null;
  /** When the request last went to Particle (performance.now()), for the upstream latency metric. */
  sentAt: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the proxy once the caller is admitted (ParticleProxy). */
    proxyExchange?: Exchange;
  }
}

/** `/v1/tenants/{id}/particle/v1/devices?x=1` -> `/v1/devices` (the route matched, so both parts exist). */
export function particlePath(rawUrl: string): string {
  const at = rawUrl.indexOf(PARTICLE_SEGMENT, TENANTS_PREFIX.length) + PARTICLE_SEGMENT.length;
  const query = rawUrl.indexOf('?', at);
  return rawUrl.slice(at, query < 0 ? undefined : query);
}
