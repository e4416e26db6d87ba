import type { TokenSet } from './particle-api.js';
import {
  classifyFailedAnswer,
  HttpAnswer,
  jsonObjectOf,
  nonEmptyString,
  UnavailableError,
} from './particle.errors.js';

/** How ParticleClient reads Particle's answers: the result a call wanted, or the typed error of the answer. */
export const is2xx = (status: number): boolean => status >= 200 && status < 300;

/** `alsoFine`: the status that already means what the call wanted (e.g. gone means deleted). */
export function expectSuccess(answer: HttpAnswer, alsoFine: number, now: Date): void {
  if (!is2xx(answer.status) && answer.status !== alsoFine) throw classifyFailedAnswer(answer, now);
}

/** The JSON object of a 2xx answer; throws the typed error of any other answer. */
export function successJson(answer: HttpAnswer, now: Date): Record<string, unknown> {
  if (!is2xx(answer.status)) throw classifyFailedAnswer(answer, now);
  const json = jsonObjectOf(answer.body);
  if (!json)
    throw new UnavailableError({ status: answer.status, description: 'Particle answered without JSON' });
  return json;
}

/** A token endpoint answer as a token set; `sentAt` is when the call went out (its expiry counts from it). */
export function tokenSetOf(answer: HttpAnswer, sentAt: Date, now: Date): TokenSet {
  const json = successJson(answer, now);
  const accessToken = nonEmptyString(json.access_token);
  const expiresIn = json.expires_in ?? 0;
  const seconds = typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
  if (!accessToken || typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UnavailableError({
      status: answer.status,
      description: 'Particle sent an unreadable token answer',
    });
  }
  return {
    accessToken,
    refreshToken: nonEmptyString(json.refresh_token) ?? null,
    // §2.4: a missing or zero expires_in means the token never expires.
    expiresAt: seconds === 0 ? null : new Date(sentAt.getTime() + seconds * 1000),
    scope: nonEmptyString(json.scope) ?? null,
  };
}
