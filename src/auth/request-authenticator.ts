import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ApiKeysService } from './api-keys.service.js';
import {
  CONSOLE_REQUEST_HEADER,
  CONSOLE_REQUEST_HEADER_VALUE,
  sessionTokenOf,
} from './console-session-token.js';
import { ConsoleSessionsService } from './console-sessions.service.js';
import type { Principal } from './principal.js';

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who a request comes from, for ApiKeyGuard and the proxy alike: the bearer key of its Authorization
 * header or, when it has none and the console is on, its console session cookie.
 */
@Injectable()
export class RequestAuthenticator {
  private readonly consoleOn: boolean;

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: ConsoleSessionsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.consoleOn = config.console.enabled;
  }

  /**
   * Synchronous for a cached bearer key (the token endpoint's hot path). A session answers through the
   * database; an unsafe method it authenticates must carry `X-Requested-With: ptb-console`, which no form
   * of another site can send (nor, with no CORS allowed, any script of one), so the cookie alone is refused
   * before the session is even looked up.
   */
  principalOf(request: FastifyRequest): Principal | undefined | Promise<Principal | undefined> {
    const { authorization } = request.headers;
    if (authorization !== undefined || !this.consoleOn) {
      const match = BEARER.exec(authorization ?? '');
      return match?.[1] ? this.apiKeys.authenticate(match[1]) : undefined;
    }
    const token = sessionTokenOf(request.headers);
    if (!token) return undefined;
    if (
      !SAFE_METHODS.has(request.method) &&
      request.headers[CONSOLE_REQUEST_HEADER] !== CONSOLE_REQUEST_HEADER_VALUE
    ) {
      throw new ApiError(
        'forbidden',
        `A request authenticated by the console session must carry X-Requested-With: ${CONSOLE_REQUEST_HEADER_VALUE}`,
      );
    }
    return this.sessions.authenticate(token);
  }
}
