import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import type { BrowserAnswer } from './connect-pages.js';
import { ConnectSessionsService } from './connect-sessions.service.js';

/** Headers of every connect answer: nothing cached, nothing in a Referer (links, codes and states are secrets). */
function send(reply: FastifyReply, answer: BrowserAnswer): void {
  void reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer');
  if (answer.kind === 'redirect') {
    void reply.redirect(answer.location, answer.status);
    return;
  }
  void reply
    .status(answer.status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Content-Security-Policy', "default-src 'none'")
    .header('X-Content-Type-Options', 'nosniff')
    .send(answer.html);
}

/**
 * The browser side of the connect flow (design.md §6): no API key, the link and the OAuth state are the
 * authorisation. Kept out of the OpenAPI document, which describes the JSON API.
 */
@Public()
@ApiExcludeController()
@Controller()
export class ConnectController {
  constructor(private readonly connect: ConnectSessionsService) {}

  @Get('connect/:link')
  async open(
    @Param('link') link: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    send(reply, await this.connect.open(link, request));
  }

  @Get('oauth/callback')
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, await this.connect.complete(request));
  }
}
