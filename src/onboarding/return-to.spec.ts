import { describe, expect, it } from 'vitest';
import { allowedReturnOrigins, returnToProblem, withConnectResult } from './return-to.js';

describe(returnToProblem.name, () => {
  const allowed = allowedReturnOrigins('https://broker.example.com/base', [
    'https://console.acme.example:8443',
  ]);

  it('accepts URLs on the public origin and on the extra origins', () => {
    expect(returnToProblem('https://broker.example.com/done?x=1#top', allowed)).toBeUndefined();
    expect(returnToProblem('https://console.acme.example:8443/particle', allowed)).toBeUndefined();
    // Origins compare normalised: scheme and host are case-insensitive, default ports implied.
    expect(returnToProblem('HTTPS://Broker.Example.com:443/x', allowed)).toBeUndefined();
  });

  it('refuses other origins, including look-alikes', () => {
    for (const url of [
      'https://evil.example/',
      'http://broker.example.com/',
      'https://broker.example.com:444/',
      'https://broker.example.com.evil.example/',
      'https://console.acme.example/particle',
    ]) {
      expect(returnToProblem(url, allowed), url).toMatch(/origin/);
    }
  });

  it('refuses relative URLs, other schemes and embedded credentials', () => {
    expect(returnToProblem('/done', allowed)).toBe('must be an absolute URL');
    expect(returnToProblem('//evil.example/x', allowed)).toBe('must be an absolute URL');
    expect(returnToProblem('javascript:alert(1)', allowed)).toBe('must be an http(s) URL');
    expect(returnToProblem('https://user:pw@broker.example.com/', allowed)).toBe(
      'must not contain credentials',
    );
    expect(returnToProblem('https://user@broker.example.com/', allowed)).toBe('must not contain credentials');
  });

  it('derives the allowed set from the public URL and the configured origins', () => {
    expect([...allowedReturnOrigins('http://127.0.0.1:3000', ['https://a.example/path'])]).toEqual([
      'http://127.0.0.1:3000',
      'https://a.example',
    ]);
  });
});

describe(withConnectResult.name, () => {
  it('appends the result to the query and keeps the fragment last', () => {
    expect(
      withConnectResult('https://a.example/p?x=1#frag', { connect: 'success', credential_id: 'c-1' }),
    ).toBe('https://a.example/p?x=1&connect=success&credential_id=c-1#frag');
  });

  it('replaces a result smuggled into return_to instead of duplicating it', () => {
    expect(withConnectResult('https://a.example/?connect=success', { connect: 'denied' })).toBe(
      'https://a.example/?connect=denied',
    );
  });
});
