import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { ApiError } from '../common/api-error.js';
import { knownProblem } from '../common/known-problem.js';
import type { AuditOutcome } from './audit-event.entity.js';
import { auditRecordFor, AuditedMeta, AuditedOptions } from './audit-record.js';
import { AuditService } from './audit.service.js';
import { SuccessAudit } from './success-audit.js';

export type { AuditContext, AuditedOptions } from './audit-record.js';

const AUDITED = 'audit:action';

/**
 * Marks an admin endpoint: its outcome (success or failure) is audited before the response leaves. A
 * handler that takes `@InTransactionAudit()` hands it to the service, whose final write appends the success
 * row in its own transaction (design.md §5.10); for any other, the interceptor writes it after the handler. The
 * handler binds the interceptor itself: a global interceptor would put every route, the token endpoint
 * too, through Nest's rxjs chain (about a fifth of that endpoint's CPU, bench/README.md).
 */
export const Audited = (action: string, options: AuditedOptions = {}): MethodDecorator =>
  applyDecorators(SetMetadata(AUDITED, { action, options }), UseInterceptors(AuditedInterceptor));

/** Each request's SuccessAudit, for `@InTransactionAudit()`; keyed by the request, gone with it. */
const successAudits = new WeakMap<object, SuccessAudit>();

/** The handler's SuccessAudit (see `@Audited`), to pass to the service that makes the change. */
export const InTransactionAudit = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SuccessAudit | undefined =>
    successAudits.get(context.switchToHttp().getRequest<object>()),
);

/** The `@Audited` metadata of a handler, so the CLI audits a call exactly as the endpoint does. */
export function auditedMetaOf(handler: object): AuditedMeta | undefined {
  return Reflect.getMetadata(AUDITED, handler) as AuditedMeta | undefined;
}

@Injectable()
export class AuditedInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<AuditedMeta | undefined>(AUDITED, context.getHandler());
    if (!meta) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const base = {
      params: (request.params ?? {}) as Record<string, string | undefined>,
      body: (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>,
    };
    const call = { actor: request.principal?.actor ?? 'anonymous', requestId: request.id };
    const success = new SuccessAudit(this.audit, meta, base, call);
    successAudits.set(request, success);
    const write = (result: Record<string, unknown> | undefined, outcome: AuditOutcome, error?: ApiError) =>
      this.audit.record(auditRecordFor(meta, { ...base, result }, { ...call, outcome, error }));
    return next.handle().pipe(
      mergeMap((result: unknown) =>
        success.appended
          ? [result]
          : from(write(result as Record<string, unknown> | undefined, 'success').then(() => result)),
      ),
      catchError((err: unknown) => {
        const apiError = knownProblem(err);
        const outcome = apiError?.code === 'forbidden' ? 'denied' : 'failure';
        // The original error is what the caller must see, even if the audit write itself fails.
        return from(write(undefined, outcome, apiError).catch(() => undefined)).pipe(
          mergeMap(() => throwError(() => err)),
        );
      }),
    );
  }
}
