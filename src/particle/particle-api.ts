/**
 * The shapes of Particle's API that the broker uses (particle-cloud.md), and how a grant is sent as the
 * token endpoint's form. `ParticleClient` is the only code that sends them.
 */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The grants of `POST /oauth/token` the broker uses (particle-cloud.md §2.2). */
export type TokenGrant =
  | { type: 'password'; username: string; password: string; expiresIn?: number }
  | { type: 'mfa_otp'; mfaToken: string; otp: string }
  | { type: 'client_credentials'; scope?: string; expiresIn?: number }
  | { type: 'refresh_token'; refreshToken: string }
  | { type: 'authorization_code'; code: string; redirectUri: string };

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** Null: the token never expires (Particle sent no `expires_in`, or 0). */
  expiresAt: Date | null;
  scope: string | null;
}

export interface CurrentToken {
  expiresAt: Date | null;
  clientId: string | null;
}

export interface NewOAuthClient {
  /** Product id or slug; absent: a user-level client. */
  productId?: string;
  name: string;
  type: 'installed' | 'web';
  redirectUri?: string;
  scope?: string;
}

export interface CreatedOAuthClient {
  clientId: string;
  /** Shown by Particle this once only (§7). */
  secret: string;
  name: string;
  type: 'installed' | 'web';
  redirectUri: string | null;
}

/** `{key: value}` when the value is given, else nothing: optional fields are left out, not sent empty. */
export function optional(key: string, value: string | number | undefined): Record<string, string> {
  return value === undefined ? {} : { [key]: String(value) };
}

/** The token endpoint's form fields for a grant (§2.2); it accepts nothing but a form. */
export function grantForm(grant: TokenGrant): Record<string, string> {
  switch (grant.type) {
    case 'password':
      return {
        grant_type: 'password',
        username: grant.username,
        password: grant.password,
        ...optional('expires_in', grant.expiresIn),
      };
    case 'mfa_otp':
      // §2.3: the lifetime asked for at the password step carries over; nothing to send here.
      return { grant_type: 'urn:custom:mfa-otp', mfa_token: grant.mfaToken, otp: grant.otp };
    case 'client_credentials':
      return {
        grant_type: 'client_credentials',
        ...optional('scope', grant.scope),
        ...optional('expires_in', grant.expiresIn),
      };
    case 'refresh_token':
      return { grant_type: 'refresh_token', refresh_token: grant.refreshToken };
    case 'authorization_code':
      return { grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri };
  }
}

/** Where a product's clients live, or the account's when there is no product. */
export function clientsPath(productId: string | undefined): string {
  return productId === undefined ? '/v1/clients' : `/v1/products/${encodeURIComponent(productId)}/clients`;
}

/** §11: the header is the only non-deprecated way to present a token. */
export function bearerHeaders(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}`, Accept: 'application/json' };
}
