import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { ApiError } from '../common/api-error.js';
import { Clock } from '../common/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { hashApiKey } from './api-key-format.js';
import { ApiKeysService } from './api-keys.service.js';
import { generateSessionToken, hashSessionToken, isSessionToken } from './console-session-token.js';
import { ConsoleSessionsRepository } from './console-sessions.repository.js';
import type { Principal } from './principal.js';

/**
 * Console sessions (design.md §12): an admin key pasted once opens a session whose token lives only in
 * an HttpOnly cookie. Each use checks the session's idle and absolute lifetimes and then the key itself,
 * through the key cache, so a deleted or expired key ends its sessions within that cache's bound.
 */
@Injectable()
export class ConsoleSessionsService {
  private readonly idleMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly sessions: ConsoleSessionsRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.idleMs = config.console.idleSeconds * 1000;
    this.maxMs = config.console.maxSeconds * 1000;
  }

  /** The new session's token (for the cookie). 401: not a valid key; 403: not an admin key. */
  async signIn(apiKey: string, requestId: string): Promise<string> {
    const principal = await this.apiKeys.authenticate(apiKey);
    // Not audited: the route is public, and a row per unknown key would let anyone grow the table.
    if (!principal)
      throw new ApiError('unauthorized', 'That API key is not valid (unknown, deleted or expired)');
    if (principal.role !== 'admin') {
      await this.audit.record({
        actor: principal.actor,
        action: 'console.sign_in',
        outcome: 'denied',
        requestId,
        details: { error: 'forbidden' },
      });
      throw new ApiError('forbidden', 'Only an admin API key may sign in to the console');
    }
    const token = generateSessionToken();
    const now = this.clock.now();
    const actor = consoleActor(principal);
    await this.sessions.create(
      {
        tokenHash: hashSessionToken(token),
        apiKeyHash: hashApiKey(apiKey),
        now,
        expiresAt: new Date(now.getTime() + this.maxMs),
        idleCutoff: new Date(now.getTime() - this.idleMs),
      },
      (em) =>
        this.audit.appendInTransaction(em, {
          actor,
          action: 'console.sign_in',
          outcome: 'success',
          requestId,
          target: principal.keyId,
        }),
    );
    return token;
  }

  /** The admin principal a live session stands for, acting as `console:<key name>`; undefined otherwise. */
  async authenticate(token: string): Promise<Principal | undefined> {
    if (!isSessionToken(token)) return undefined;
    const now = this.clock.now();
    const keyHash = await this.sessions.touchLive(
      hashSessionToken(token),
      now,
      new Date(now.getTime() - this.idleMs),
    );
    if (!keyHash) return undefined;
    const principal = await this.apiKeys.authenticateHash(keyHash.toString('base64'));
    if (!principal || principal.role !== 'admin') {
      await this.sessions.deleteForApiKey(keyHash);
      return undefined;
    }
    return { ...principal, actor: consoleActor(principal), viaConsole: true };
  }

  /** Ends the session of `token`, if it is one; audited when there was a live session to end. */
  async signOut(token: string | undefined, requestId: string): Promise<void> {
    if (!token || !isSessionToken(token)) return;
    const principal = await this.authenticate(token);
    await this.sessions.deleteByToken(hashSessionToken(token), async (em) => {
      if (!principal) return;
      await this.audit.appendInTransaction(em, {
        actor: principal.actor,
        action: 'console.sign_out',
        outcome: 'success',
        requestId,
        target: principal.keyId,
      });
    });
  }
}

function consoleActor(p: Principal): string {
  return `console:${p.name}`;
}
