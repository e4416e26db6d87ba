import Fastify, { FastifyInstance, FastifyRequest } from 'fastify';
import OAuth2Strategy from 'passport-oauth2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpressLikeRequest, PassportStrategy, runStrategy, StrategyResult } from './passport-fastify.js';

type Done = (err: Error | null, ...rest: unknown[]) => void;

/** A state store like the broker's: remembers what it issued, accepts each state once. */
class MemoryStateStore {
  readonly issued = new Set<string>();
  readonly seen: { query: Record<string, unknown>; meta: unknown }[] = [];

  store(req: ExpressLikeRequest, meta: unknown, done: Done): void {
    this.seen.push({ query: req.query, meta });
    const state = `state-${this.issued.size + 1}`;
    this.issued.add(state);
    setImmediate(() => done(null, state));
  }

  verify(_req: ExpressLikeRequest, state: string, _meta: unknown, done: Done): void {
    const ok = this.issued.delete(state);
    setImmediate(() => (ok ? done(null, true) : done(null, false, { message: 'bad state' })));
  }
}

/** OAuth2Strategy whose code exchange is a local function, as the broker's is (no node-oauth HTTP). */
class LocalExchangeStrategy extends OAuth2Strategy {
  readonly exchanged: { code: string; params: unknown }[] = [];

  constructor(store: MemoryStateStore, exchangeFails = false) {
    super(
      {
        authorizationURL: 'https://idp.example/oauth/authorize',
        tokenURL: 'https://idp.example/oauth/token',
        clientID: 'client-1',
        clientSecret: '',
        callbackURL: 'https://app.example/oauth/callback',
        store: store as unknown as OAuth2Strategy.StateStore,
        skipUserProfile: true,
      },
      (
        access: string,
        refresh: string,
        _params: unknown,
        _profile: unknown,
        verified: OAuth2Strategy.VerifyCallback,
      ) => verified(null, { access, refresh }),
    );
    const exchange = (code: string, params: unknown, done: Done): void => {
      this.exchanged.push({ code, params });
      setImmediate(() => (exchangeFails ? done(new Error('upstream down')) : done(null, 'at-1', 'rt-1', {})));
    };
    this._oauth2.getOAuthAccessToken = exchange as unknown as typeof this._oauth2.getOAuthAccessToken;
  }
}

describe(runStrategy.name, () => {
  let app: FastifyInstance;
  let strategy: PassportStrategy;

  /** Runs `strategy` against a real Fastify request for `url` and returns how it ended. */
  async function run(url: string): Promise<StrategyResult> {
    const res = await app.inject({ method: 'GET', url });
    return res.json<StrategyResult>();
  }

  beforeAll(async () => {
    app = Fastify();
    app.get('/auth', async (request: FastifyRequest) => {
      const result = await runStrategy(strategy, request);
      if (result.kind !== 'error') return result;
      const err = result.error as Error & { oauthError?: Error };
      return { kind: 'error', error: `${err.name}: ${err.message}`, wrapped: err.oauthError?.message };
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('resolves a redirect with the authorization URL passport-oauth2 builds, state from the store', async () => {
    const store = new MemoryStateStore();
    strategy = new LocalExchangeStrategy(store);
    const result = await run('/auth?next=1');
    expect(result).toMatchObject({ kind: 'redirect', status: 302 });
    const location = new URL((result as { url: string }).url);
    expect(location.origin + location.pathname).toBe('https://idp.example/oauth/authorize');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      response_type: 'code',
      redirect_uri: 'https://app.example/oauth/callback',
      state: 'state-1',
      client_id: 'client-1',
    });
    // The store saw the Fastify request's query through the Express-shaped view.
    expect(store.seen[0]?.query).toEqual({ next: '1' });
    expect(store.seen[0]?.meta).toMatchObject({
      clientID: 'client-1',
      callbackURL: 'https://app.example/oauth/callback',
    });
  });

  it('resolves success after the store accepts the state and the exchange answers', async () => {
    const store = new MemoryStateStore();
    store.issued.add('s-ok');
    const local = new LocalExchangeStrategy(store);
    strategy = local;
    const result = await run('/auth?code=c-1&state=s-ok');
    expect(result).toEqual({ kind: 'success', user: { access: 'at-1', refresh: 'rt-1' }, info: {} });
    expect(local.exchanged).toEqual([
      {
        code: 'c-1',
        params: { grant_type: 'authorization_code', redirect_uri: 'https://app.example/oauth/callback' },
      },
    ]);
    expect(store.issued.has('s-ok')).toBe(false);
  });

  it('resolves fail(…, 403) for an unknown state, without exchanging the code', async () => {
    const local = new LocalExchangeStrategy(new MemoryStateStore());
    strategy = local;
    expect(await run('/auth?code=c-1&state=forged')).toEqual({
      kind: 'fail',
      challenge: { message: 'bad state' },
      status: 403,
    });
    expect(local.exchanged).toEqual([]);
  });

  it('resolves fail for a denial at the provider', async () => {
    strategy = new LocalExchangeStrategy(new MemoryStateStore());
    expect(await run('/auth?error=access_denied&error_description=no&state=s')).toEqual({
      kind: 'fail',
      challenge: { message: 'no' },
    });
  });

  it('resolves error when the exchange fails, wrapped by passport', async () => {
    const store = new MemoryStateStore();
    store.issued.add('s-ok');
    strategy = new LocalExchangeStrategy(store, true);
    expect(await run('/auth?code=c-1&state=s-ok')).toEqual({
      kind: 'error',
      error: 'InternalOAuthError: Failed to obtain access token',
      wrapped: 'upstream down',
    });
  });

  it('resolves error when authenticate throws synchronously', async () => {
    strategy = {
      authenticate() {
        throw new Error('boom');
      },
    };
    expect(await run('/auth')).toEqual({ kind: 'error', error: 'Error: boom' });
  });

  it('normalises fail(status), supports pass, and keeps only the first action', async () => {
    strategy = {
      authenticate(this: { fail(s: number): void; redirect(u: string): void }) {
        this.fail(401);
        this.redirect('https://late.example/');
      },
    };
    expect(await run('/auth')).toEqual({ kind: 'fail', status: 401 });
    strategy = {
      authenticate(this: { pass(): void }) {
        this.pass();
      },
    };
    expect(await run('/auth')).toEqual({ kind: 'pass' });
  });

  it('lets one strategy instance serve concurrent requests without mutating it', async () => {
    const store = new MemoryStateStore();
    const shared = new LocalExchangeStrategy(store);
    strategy = shared;
    const own = Object.keys(shared);
    const results = await Promise.all([run('/auth'), run('/auth'), run('/auth')]);
    const states = results.map((r) => new URL((r as { url: string }).url).searchParams.get('state'));
    expect(new Set(states).size).toBe(3);
    expect(Object.keys(shared)).toEqual(own);
    expect(Object.hasOwn(shared, 'redirect')).toBe(false);
  });

  it('lets the caller override what the strategy sees', async () => {
    const store = new MemoryStateStore();
    strategy = new LocalExchangeStrategy(store);
    const request = {
      method: 'GET',
      url: '/x?code=c&state=s',
      headers: {},
      query: { code: 'c', state: 's' },
      raw: {},
    };
    const result = await runStrategy(strategy, request as unknown as FastifyRequest, {}, { query: {} });
    expect(result.kind).toBe('redirect');
    expect(store.seen[0]?.query).toEqual({});
  });
});
