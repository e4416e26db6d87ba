import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/**
 * The broker's own API, typed from its OpenAPI document. The session cookie authenticates; every request
 * carries X-Requested-With, which the broker demands of cookie-authenticated unsafe requests (no other
 * site can send it without CORS, which the broker never allows).
 */
export const api = createClient<paths>({
  baseUrl: '',
  credentials: 'same-origin',
  headers: { 'X-Requested-With': 'ptb-console' },
});

/** An application/problem+json answer, as the API sends every refusal. */
export interface Problem {
  title: string;
  detail: string;
  status: number;
  code?: string;
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

/** The data of an openapi-fetch result, or a ProblemError with the API's title and detail. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  const body = result.error as Partial<Problem> | undefined;
  throw new ProblemError({
    title: body?.title ?? result.response.statusText ?? 'Request failed',
    detail: body?.detail ?? `The broker answered ${result.response.status}`,
    status: result.response.status,
    ...(body?.code ? { code: body.code } : {}),
  });
}

export function asProblem(err: unknown): Problem {
  if (err instanceof ProblemError) return err.problem;
  return { title: 'Network error', detail: err instanceof Error ? err.message : String(err), status: 0 };
}
