/**
 * Headers for every answer. The API sends JSON and tiny HTML pages that need nothing from elsewhere, so
 * the strictest policy fits; Swagger UI (/docs) loads its own scripts and styles and keeps the defaults;
 * the console (/console) may load its own files.
 */
const BASE: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const LOCKED_DOWN: Record<string, string> = {
  ...BASE,
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
};
/** The console (design.md §12): its own files only, no inline script or style, no framing, no CORS. */
const CONSOLE: Record<string, string> = {
  ...BASE,
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};
const HSTS = 'max-age=31536000; includeSubDomains';

/** Each set with HSTS added, made once: behind https every answer carries it. */
const withHsts = (headers: Record<string, string>) => ({ ...headers, 'Strict-Transport-Security': HSTS });
const HTTPS = { base: withHsts(BASE), console: withHsts(CONSOLE), lockedDown: withHsts(LOCKED_DOWN) };

/** The headers for `url`: shared, never copied per request (Fastify copies them onto the reply). */
export function securityHeaders(url: string, httpsPublicUrl: boolean): Readonly<Record<string, string>> {
  if (url.startsWith('/docs')) return httpsPublicUrl ? HTTPS.base : BASE;
  if (url.startsWith('/console')) return httpsPublicUrl ? HTTPS.console : CONSOLE;
  return httpsPublicUrl ? HTTPS.lockedDown : LOCKED_DOWN;
}
