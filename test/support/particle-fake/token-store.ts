import { randomUUID } from 'node:crypto';

import type { SecretKind } from '../leak-check/records.js';
import { randomHex } from './replies.js';

/** particle-cloud.md §5: 14 days; the anchor is UNCONFIRMED, so we take "from issue". */
const REFRESH_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;
/** §3 leaves the mfa_token lifetime UNCONFIRMED; 5 minutes keeps expiry testable without guessing long. */
const MFA_TOKEN_LIFETIME_MS = 5 * 60 * 1000;
/** §4: the framework's default code lifetime. */
const CODE_LIFETIME_MS = 30 * 1000;

export interface AccessGrant {
  clientId: string;
  /** §0.1 / §5: only tokens issued to product clients can be refreshed. */
  refreshable: boolean;
  username?: string;
  scope?: string;
  /** Epoch ms; null = never expires. */
  expiresAt: number | null;
}

/** The lifetime as asked for on the wire, kept raw so the MFA step can apply it later (§2.3). */
export interface LifetimeRequest {
  expiresIn?: string;
  expiresAt?: string;
}

export interface PendingMfa {
  clientId: string;
  username: string;
  lifetime: LifetimeRequest;
  expiresAt: number;
}

interface RefreshGrant extends AccessGrant {
  refreshExpiresAt: number;
}

interface PendingCode {
  clientId: string;
  username: string;
  expiresAt: number;
}

export class TokenStore {
  private readonly access = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();
  private readonly mfa = new Map<string, PendingMfa>();
  private readonly codes = new Map<string, PendingCode>();

  constructor(
    private readonly now: () => number,
    private readonly remember: (kind: SecretKind, secret: string) => void,
  ) {}

  issue(grant: AccessGrant): { accessToken: string; refreshToken?: string } {
    const accessToken = this.mint('access_token', randomHex());
    this.access.set(accessToken, { ...grant });
    // §2.3: a non-expiring access token never comes with a refresh token.
    if (grant.expiresAt === null) return { accessToken };
    const refreshToken = this.mint('refresh_token', randomHex());
    this.refresh.set(refreshToken, { ...grant, refreshExpiresAt: this.now() + REFRESH_LIFETIME_MS });
    return { accessToken, refreshToken };
  }

  inspect(accessToken: string): AccessGrant | 'invalid' | 'expired' {
    const grant = this.access.get(accessToken);
    if (!grant) return 'invalid';
    if (grant.expiresAt !== null && this.now() >= grant.expiresAt) return 'expired';
    return grant;
  }

  revoke(accessToken: string): void {
    this.access.delete(accessToken);
  }

  expire(accessToken: string): void {
    const grant = this.access.get(accessToken);
    if (grant) grant.expiresAt = this.now();
  }

  /** Returns the grant to renew, or the `invalid_grant` description. Consumes the token (rotation, §5). */
  useRefreshToken(refreshToken: string, clientId: string): AccessGrant | string {
    const grant = this.refresh.get(refreshToken);
    // §5: bound to the issuing client, and useless outside product clients.
    if (!grant || grant.clientId !== clientId || !grant.refreshable) return 'Invalid refresh token';
    if (this.now() >= grant.refreshExpiresAt) return 'Refresh token has expired';
    this.refresh.delete(refreshToken);
    const { refreshExpiresAt: _spent, ...renewed } = grant;
    return renewed;
  }

  startMfa(clientId: string, username: string, lifetime: LifetimeRequest): string {
    // C-1132: the observed mfa_token looked like a UUID.
    const mfaToken = this.mint('mfa_token', randomUUID());
    this.mfa.set(mfaToken, { clientId, username, lifetime, expiresAt: this.now() + MFA_TOKEN_LIFETIME_MS });
    return mfaToken;
  }

  /** A wrong OTP leaves the mfa_token usable: the CLI retries up to 3 times with one (§3). */
  findMfa(mfaToken: string, clientId: string): PendingMfa | 'invalid' | 'expired' {
    const pending = this.mfa.get(mfaToken);
    if (!pending || pending.clientId !== clientId) return 'invalid';
    if (this.now() >= pending.expiresAt) return 'expired';
    return pending;
  }

  finishMfa(mfaToken: string): void {
    this.mfa.delete(mfaToken);
  }

  createCode(clientId: string, username: string): string {
    const code = this.mint('authorization_code', randomHex());
    this.codes.set(code, { clientId, username, expiresAt: this.now() + CODE_LIFETIME_MS });
    return code;
  }

  /** Returns the approving user, or the `invalid_grant` description. A code works once (§4). */
  redeemCode(code: string, clientId: string): { username: string } | string {
    const pending = this.codes.get(code);
    if (!pending || pending.clientId !== clientId) return 'Invalid code';
    this.codes.delete(code);
    if (this.now() >= pending.expiresAt) return 'Code has expired';
    return { username: pending.username };
  }

  private mint(kind: SecretKind, secret: string): string {
    this.remember(kind, secret);
    return secret;
  }
}
