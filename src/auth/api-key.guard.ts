import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { ApiKeysService } from './api-keys.service.js';
import { PUBLIC_ROUTE, SERVICE_TENANT_PARAM } from './auth.decorators.js';
import { canActFor } from './principal.js';

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/;

/** Global guard: every route needs an API key unless marked @Public(); admin-only unless @AllowServiceFor. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    const principal = match?.[1] ? await this.apiKeys.authenticate(match[1]) : undefined;
    if (!principal) {
      throw new ApiError('unauthorized', 'A valid API key is required: Authorization: Bearer <key>');
    }
    request.principal = principal;
    if (principal.role === 'admin') return true;
    const tenantParam = this.reflector.get<string | undefined>(SERVICE_TENANT_PARAM, context.getHandler());
    if (!tenantParam) throw new ApiError('forbidden', 'This endpoint needs an admin key');
    const tenantId = (request.params as Record<string, string | undefined>)[tenantParam];
    if (!tenantId || !canActFor(principal, tenantId)) {
      throw new ApiError('forbidden', 'This key may not act for this tenant');
    }
    return true;
  }
}
