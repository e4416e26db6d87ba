import { Body, Controller, Delete, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import {
  CONSOLE_REQUEST_HEADER,
  CONSOLE_REQUEST_HEADER_VALUE,
  CONSOLE_SESSION_COOKIE,
  sessionTokenOf,
} from '../auth/console-session-token.js';
import { ConsoleSessionsService } from '../auth/console-sessions.service.js';
import { ApiError } from '../common/api-error.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SignInBody } from './console-session.dto.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';

/** Sign-in and sign-out of the ops console (design.md §12); the session then calls the /v1 API as its key. */
@ApiTags('console')
@Controller('v1/console/session')
export class ConsoleSessionController {
  private readonly secure: boolean;

  constructor(
    private readonly sessions: ConsoleSessionsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.secure = config.publicUrl.startsWith('https:');
  }

  @Post()
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Open a console session with an admin API key; the session is in a cookie' })
  @ApiNoContentResponse({
    description: `Signed in: Set-Cookie ${CONSOLE_SESSION_COOKIE} (HttpOnly, SameSite=Strict)`,
  })
  @ApiUnauthorizedResponse({ description: 'Not a valid API key' })
  @ApiForbiddenResponse({ description: 'Not an admin key' })
  async signIn(
    @Body() body: SignInBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    // A form of another site could post a key of its own and sign the browser in as that key (login
    // CSRF); a JSON body it cannot send without a preflight, which no CORS answer ever allows.
    if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      throw ApiError.validation('Sign-in takes a JSON body: Content-Type: application/json', [
        { field: 'body', messages: ['body must be JSON (application/json)'] },
      ]);
    }
    const token = await this.sessions.signIn(body.api_key, request.id);
    setSessionCookie(reply, token, this.secure);
  }

  @Delete()
  @Public()
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiOperation({ summary: 'Sign out: the session ends and its cookie is cleared' })
  @ApiNoContentResponse({ description: 'Signed out (also when there was no live session)' })
  async signOut(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const token = sessionTokenOf(request.headers);
    // As for every unsafe request the cookie authenticates (RequestAuthenticator): no other site's form
    // may end an ops person's session either.
    if (token && request.headers[CONSOLE_REQUEST_HEADER] !== CONSOLE_REQUEST_HEADER_VALUE) {
      throw new ApiError(
        'forbidden',
        `Signing out must carry X-Requested-With: ${CONSOLE_REQUEST_HEADER_VALUE}`,
      );
    }
    await this.sessions.signOut(token, request.id);
    clearSessionCookie(reply, this.secure);
  }
}
