import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, ErrorCode } from './api-error.js';
import { requestFields } from '../logging/app-logger.js';
import { knownProblem } from './known-problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The problem code of an error response, for the request metrics. */
    problemCode?: string;
  }
}

const PROBLEM_TYPE_BASE = 'https://particle-token-broker.dev/problems/';

/** Nest/Fastify HTTP errors that reach us without going through a service (routing, body parsing). */
function fromHttpException(err: HttpException): ApiError {
  const status = err.getStatus();
  const byStatus: Record<number, ErrorCode> = {
    400: 'validation_failed',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    413: 'validation_failed',
    415: 'validation_failed',
    429: 'rate_limited',
  };
  const code = byStatus[status] ?? (status >= 500 ? 'internal_error' : 'validation_failed');
  const detail = status >= 500 ? 'The request could not be completed' : err.message;
  return new ApiError(code, detail, { status });
}

/** Fastify's own errors (bad JSON, body too large, wrong content type) carry a statusCode. */
function fromFastifyError(err: unknown): ApiError | undefined {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof e.statusCode !== 'number' || e.statusCode < 400 || e.statusCode >= 500) return undefined;
  const messages: Record<string, string> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'The JSON body is empty',
  };
  const detail =
    (typeof e.code === 'string' && messages[e.code]) ||
    (e.statusCode === 400 ? 'The request body is not valid JSON' : 'The request was rejected');
  return new ApiError('validation_failed', detail, { status: e.statusCode });
}

/**
 * Writes `error` as application/problem+json (design.md §6). Also used by routes served outside Nest's
 * pipeline (the Particle proxy), so every refusal of the broker has one shape.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: ApiError): void {
  request.problemCode = error.code;
  if (error.retryAfterSeconds !== undefined) {
    void reply.header('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  }
  void reply
    .status(error.status)
    .header('Content-Type', 'application/problem+json; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send({
      type: `${PROBLEM_TYPE_BASE}${error.code}`,
      title: error.title,
      status: error.status,
      detail: error.detail,
      code: error.code,
      requestId: request.id,
      ...error.extras,
    });
}

/** The one place errors become responses: always application/problem+json, never internals. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const error =
      knownProblem(exception) ??
      (exception instanceof HttpException
        ? fromHttpException(exception)
        : (fromFastifyError(exception) ??
          new ApiError('internal_error', 'The request could not be completed')));
    // A database outage is reported by /health/ready; logging it once per failed request would only flood.
    if (error.code === 'internal_error' && !(exception instanceof ApiError)) {
      // Only the stack and message: errors from drivers can quote query parameters, which may hold secrets.
      this.logger.error({
        ...requestFields(request.id),
        err: exception instanceof Error ? { name: exception.name, stack: exception.stack } : {},
      });
    }
    sendProblem(request, reply, error);
  }
}
