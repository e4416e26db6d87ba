import type { ApiKeyRole } from './api-key.entity.js';

/** Who is calling: resolved from the API key by the guard, read by controllers and the audit. */
export interface Principal {
  /** The API key id, or `bootstrap` for BROKER_BOOTSTRAP_ADMIN_KEY. */
  readonly keyId: string;
  /** The key's name (`bootstrap` for the bootstrap key): what a console session's actor shows. */
  readonly name: string;
  /** Who the audit says acted: the key id for a bearer key, `console:<key name>` for a console session. */
  readonly actor: string;
  readonly role: ApiKeyRole;
  /** `'*'` or the tenant ids this key may act for. */
  readonly tenants: '*' | ReadonlySet<string>;
  readonly expiresAt: Date | null;
  /** Authenticated by the console's session cookie rather than an Authorization header. */
  readonly viaConsole?: true;
}

export function canActFor(p: Principal, tenantId: string): boolean {
  return p.role === 'admin' || p.tenants === '*' || p.tenants.has(tenantId);
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}
