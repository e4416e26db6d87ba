import { describe, expect, it } from 'vitest';
import { redactDeep } from './redaction.js';

describe(redactDeep.name, () => {
  it('blanks credential-named fields at any depth without touching the input', () => {
    const input = { a: 1, nested: { list: [{ access_token: 'x' }, 'y'], fine: true }, client_secret: 'z' };
    const out = redactDeep(input);
    expect(out).toEqual({
      a: 1,
      nested: { list: [{ access_token: '[redacted]' }, 'y'], fine: true },
      client_secret: '[redacted]',
    });
    expect(input.nested.list[0]).toEqual({ access_token: 'x' });
    expect(input.client_secret).toBe('z');
  });

  it('hands back a plain object or array with nothing to blank as it is', () => {
    const input = { source: 'cache', min_ttl_seconds: 300, list: [1, { b: 2 }] };
    expect(redactDeep(input)).toBe(input);
  });

  it('copies anything but plain objects and arrays to its own fields, errors to name, message, stack', () => {
    class Holder {
      constructor(readonly value = 1) {}
    }
    const copied = redactDeep(new Holder());
    expect(copied).toEqual({ value: 1 });
    expect(copied).not.toBeInstanceOf(Holder);
    expect(redactDeep(new Date(0))).toEqual({});
    expect(redactDeep(new Error('boom'))).toMatchObject({ name: 'Error', message: 'boom' });
  });
});
