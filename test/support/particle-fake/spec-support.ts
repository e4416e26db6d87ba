/** Shared by the Particle fake's own specs (test/support/particle-fake/*.spec.ts). */
import Particle from 'particle-api-js';
import { afterEach, beforeEach } from 'vitest';

import {
  ParticleFake,
  type FakeClient,
  type FakeDevice,
  type FakeUser,
  type ParticleFakeOptions,
} from '../particle-fake.js';

export type Json = Record<string, unknown>;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

export const START = Date.parse('2030-01-01T00:00:00.000Z');
export const DAY_MS = 24 * 60 * 60 * 1000;
export const WEB_REDIRECT = 'https://broker.example/connect/callback';

export const PRODUCT: FakeClient = {
  id: 'product-client',
  secret: 'product-secret',
  kind: 'product',
  productId: 1234,
};
export const USER_CLIENT: FakeClient = { id: 'particle', secret: 'particle', kind: 'user' };
export const WEB: FakeClient = {
  id: 'web-client',
  secret: 'web-secret',
  kind: 'user',
  type: 'web',
  redirectUri: WEB_REDIRECT,
};
export const ALICE: FakeUser = { username: 'alice@example.com', password: 'alice-password' };
export const BOB: FakeUser = {
  username: 'bob@example.com',
  password: 'bob-password',
  mfaSecretOtp: '123456',
};
export const CAROL: FakeUser = { username: 'carol@example.com', password: 'carol-password', sso: true };

/** The fake each test talks to, and the time it runs on; fresh for every test (useFreshFake). */
export const fx: { fake: ParticleFake; clock: number } = {
  fake: undefined as unknown as ParticleFake,
  clock: START,
};

export async function startFake(options: ParticleFakeOptions = {}): Promise<ParticleFake> {
  const started = await ParticleFake.start({ now: () => fx.clock, ...options });
  for (const client of [PRODUCT, USER_CLIENT, WEB]) started.addClient(client);
  for (const user of [ALICE, BOB, CAROL]) started.addUser(user);
  return started;
}

export async function restartWith(options: ParticleFakeOptions): Promise<void> {
  await fx.fake.close();
  fx.fake = await startFake(options);
}

export async function send(path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${fx.fake.url}${path}`, { redirect: 'manual', ...init });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: res.status, headers: res.headers, text, json: isJson ? (JSON.parse(text) as Json) : {} };
}

export function basicAuth(client: FakeClient): string {
  return `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
}

/** With a client, authenticates by HTTP Basic; without, the fields must carry whatever credentials apply. */
export function postToken(fields: Record<string, string>, client?: FakeClient): Promise<Answer> {
  return send('/oauth/token', {
    method: 'POST',
    headers: client ? { authorization: basicAuth(client) } : {},
    body: new URLSearchParams(fields),
  });
}

export function withBearer(path: string, token: string, init: RequestInit = {}): Promise<Answer> {
  return send(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
}

export function str(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

export function login(user: FakeUser, extra: Record<string, string> = {}): Promise<Answer> {
  return postToken(
    { grant_type: 'password', username: user.username, password: user.password, ...extra },
    USER_CLIENT,
  );
}

/** Each test gets a fake of its own, on a clock that starts at START. */
export function useFreshFake(): void {
  beforeEach(async () => {
    fx.clock = START;
    fx.fake = await startFake();
  });
  afterEach(async () => {
    await fx.fake.close();
  });
}

/** Alice's Boron: a cellular device with one function and two variables, one of them read live. */
export const BORON: FakeDevice = {
  id: 'e00fce681f2e3c4d5a6b7c8d',
  name: 'fake-boron',
  owner: ALICE.username,
  platformId: 13,
  cellular: true,
  functions: { led: (arg) => (arg === 'on' ? 1 : -1) },
  variables: { temperature: 21.5, uptime: () => 42 },
};
/** Bob's Argon, so that Alice's token meets a device it may not use. */
export const ARGON: FakeDevice = { id: 'e00fce68aaaaaaaaaaaaaaaa', name: 'bob-argon', owner: BOB.username };

/** A product device nobody claimed, reached through PRODUCT's own client-credentials tokens. */
export function productDevice(index: number): FakeDevice {
  return {
    id: `0a10aced2020${String(index).padStart(12, '0')}`,
    name: `tracker-${index}`,
    productId: PRODUCT.productId ?? 0,
    platformId: 26,
    variables: { battery: 80 + index },
  };
}

/** The official SDK pointed at the fake, logging in through the fake's own password grant. */
export function sdk(auth?: string): Particle {
  return new Particle({
    baseUrl: fx.fake.url,
    clientId: USER_CLIENT.id,
    clientSecret: USER_CLIENT.secret,
    ...(auth ? { auth } : {}),
  });
}

export async function sdkLogin(user: FakeUser): Promise<string> {
  const { body } = await sdk().login({ username: user.username, password: user.password });
  return body.access_token;
}

/** Polls (the fake's state changes on its own event loop turns); fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
