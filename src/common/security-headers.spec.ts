import { describe, expect, it } from 'vitest';
import { securityHeaders } from './security-headers.js';

describe(securityHeaders.name, () => {
  it('adds HSTS to every set behind an https public URL, and never over plain http', () => {
    for (const url of ['/v1/tenants', '/docs', '/console/', '/v1/tenants/a/particle/v1/devices']) {
      expect(securityHeaders(url, true)['Strict-Transport-Security']).toBe(
        'max-age=31536000; includeSubDomains',
      );
      expect(securityHeaders(url, false)['Strict-Transport-Security']).toBeUndefined();
    }
  });

  it('keeps the strict policy for the API, the defaults for /docs and its own for /console', () => {
    for (const https of [false, true]) {
      expect(securityHeaders('/v1/tenants', https)['Content-Security-Policy']).toContain(
        "default-src 'none'",
      );
      expect(securityHeaders('/docs', https)['Content-Security-Policy']).toBeUndefined();
      expect(securityHeaders('/console/', https)['Content-Security-Policy']).toContain("script-src 'self'");
      expect(securityHeaders('/docs', https)['X-Frame-Options']).toBe('DENY');
    }
  });
});
