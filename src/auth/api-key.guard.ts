import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { PUBLIC_ROUTE, SERVICE_TENANT_PARAM } from './auth.decorators.js';
import { canActFor, Principal } from './principal.js';
import { RequestAuthenticator } from './request-authenticator.js';

interface RouteAccess {
  isPublic: boolean;
  /** The path parameter naming the tenant a service key may act for; undefined: admin-only. */
  tenantParam: string | undefined;
}

/**
 * Global guard: every route needs an API key (or a console session, which acts as its admin key) unless
 * marked @Public(); admin-only unless @AllowServiceFor.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  /** Route metadata never changes after start-up; read once per handler instead of on every request. */
  private readonly access = new WeakMap<object, WeakMap<object, RouteAccess>>();

  /** Synchronous when the key is cached (see ApiKeysService.authenticate): no promise on the hot path. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const access = this.accessFor(context);
    if (access.isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = this.authenticator.principalOf(request);
    return principal instanceof Promise
      ? principal.then((p) => this.authorize(request, p, access))
      : this.authorize(request, principal, access);
  }

  private authorize(request: FastifyRequest, principal: Principal | undefined, access: RouteAccess): boolean {
    if (!principal) {
      throw new ApiError('unauthorized', 'A valid API key is required: Authorization: Bearer <key>');
    }
    request.principal = principal;
    if (principal.role === 'admin') return true;
    // The proxy route authenticates on its own (src/proxy); every route here could hand out a token.
    if (principal.role === 'proxy')
      throw new ApiError('forbidden', 'A proxy key may only call the Particle proxy');
    const { tenantParam } = access;
    if (!tenantParam) throw new ApiError('forbidden', 'This endpoint needs an admin key');
    const tenantId = (request.params as Record<string, string | undefined>)[tenantParam];
    if (!tenantId || !canActFor(principal, tenantId)) {
      throw new ApiError('forbidden', 'This key may not act for this tenant');
    }
    return true;
  }

  private accessFor(context: ExecutionContext): RouteAccess {
    // Keyed by class, then handler: an inherited handler may sit under classes with different metadata.
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.access.get(controller);
    if (!byHandler) this.access.set(controller, (byHandler = new WeakMap()));
    let access = byHandler.get(handler);
    if (!access) {
      access = {
        isPublic: Boolean(this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler, controller])),
        tenantParam: this.reflector.get<string | undefined>(SERVICE_TENANT_PARAM, handler),
      };
      byHandler.set(handler, access);
    }
    return access;
  }
}
