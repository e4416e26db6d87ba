import { describe, expect, it } from 'vitest';
import { classifyPath } from './proxy-paths.js';

const kind = (method: string, path: string) => classifyPath(method, path).kind;

describe('classifyPath', () => {
  it.each([
    ['GET', '/v1/devices'],
    ['GET', '/v1/devices/0123456789abcdef01234567'],
    ['POST', '/v1/devices/0123456789abcdef01234567/led'],
    ['PUT', '/v1/devices/0123456789abcdef01234567/ping'],
    ['POST', '/v1/devices/events'],
    ['GET', '/v1/products/my-product/devices'],
    ['POST', '/v1/products/1234/devices/abc/led'],
    ['GET', '/v1/products/1234/sims'],
    ['GET', '/v1/products/1234/customers'],
    ['GET', '/v1/sims/8934'],
    ['GET', '/v1/diagnostics/abc/last'],
    ['GET', '/v1/user'],
  ])('forwards %s %s', (method, path) => {
    expect(kind(method, path)).toBe('forward');
  });

  it.each([
    ['GET', '/v1/events'],
    ['GET', '/v1/events/temp'],
    ['GET', '/v1/devices/events'],
    ['GET', '/v1/devices/events/temp'],
    ['GET', '/v1/devices/abc/events'],
    ['GET', '/v1/devices/abc/events/temp'],
    ['GET', '/v1/products/1234/events'],
    ['GET', '/v1/products/1234/events/temp'],
  ])('serves %s %s from the stream hub', (method, path) => {
    expect(kind(method, path)).toBe('stream');
  });

  it.each([
    ['POST', '/oauth/token'],
    ['GET', '/v1/access_tokens'],
    ['DELETE', '/v1/access_tokens/current'],
    ['GET', '/v1/clients'],
    ['POST', '/v1/products/1234/clients'],
    ['GET', '/v1/products/1234/team'],
    ['GET', '/v1/orgs/acme/team'],
    ['PUT', '/v1/user'],
    ['DELETE', '/v1/user'],
    ['GET', '/v1/user/password-reset'],
    ['POST', '/v1/products/1234/customers'],
    ['GET', '/v1/products/1234/webhooks'],
    ['GET', '/v1/integrations'],
    ['GET', '/v2/devices'],
    ['GET', '/v1'],
    ['GET', '/v1/devices/../access_tokens'],
    ['GET', '/v1/devices/./abc'],
    ['GET', '/v1/devices//abc'],
    ['GET', '/v1/devices/%2e%2e/clients'],
    ['GET', '/v1/devices%2Fabc'],
    ['GET', '/v1/devices/a\\b'],
    ['GET', '/v1/devices/CLIENTS'],
    ['GET', '/v1/devices/abc\u00e9'],
  ])('refuses %s %s', (method, path) => {
    expect(kind(method, path)).toBe('refused');
  });
});
