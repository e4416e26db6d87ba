import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal.js';

export const PUBLIC_ROUTE = 'auth:public';
export const SERVICE_TENANT_PARAM = 'auth:service-tenant-param';

/** No API key needed (health, metrics, the connect flow's browser endpoints). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Service keys may call this route for the tenants they list; the tenant id is the named path parameter.
 * Routes without it are admin-only.
 */
export const AllowServiceFor = (tenantParam: string): MethodDecorator =>
  SetMetadata(SERVICE_TENANT_PARAM, tenantParam);

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<FastifyRequest>().principal as Principal,
);
