/**
 * Where a connect flow may send the person back to (design.md §6): only origins the operator trusts, so a
 * connect link can never be turned into an open redirect that carries `connect=success&credential_id=...`.
 */
export function allowedReturnOrigins(
  publicUrl: string,
  returnOrigins: readonly string[],
): ReadonlySet<string> {
  return new Set([new URL(publicUrl).origin, ...returnOrigins.map((o) => new URL(o).origin)]);
}

/** Why `value` is not an acceptable `return_to`, or undefined when it is. */
export function returnToProblem(value: string, allowedOrigins: ReadonlySet<string>): string | undefined {
  if (!URL.canParse(value)) return 'must be an absolute URL';
  const url = new URL(value);
  // Other schemes (javascript:, data:) have an opaque origin and no business in a redirect.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (!allowedOrigins.has(url.origin)) {
    return 'must be on the broker’s public origin or one of BROKER_RETURN_ORIGINS';
  }
  return undefined;
}

/** `return_to` with the flow's result appended to its query (its fragment, if any, stays last). */
export function withConnectResult(returnTo: string, result: Record<string, string>): string;
/** A session without `return_to` has nowhere to send the person back: undefined. */
export function withConnectResult(
  returnTo: string | null,
  result: Record<string, string>,
): string | undefined;
export function withConnectResult(
  returnTo: string | null,
  result: Record<string, string>,
): string | undefined {
  if (returnTo === null) return undefined;
  const url = new URL(returnTo);
  for (const [key, value] of Object.entries(result)) url.searchParams.set(key, value);
  return url.toString();
}
