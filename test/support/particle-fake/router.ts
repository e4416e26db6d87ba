import { currentAccessToken } from './account-routes.js';
import { authorize } from './authorize.js';
import { clientRoutes, matchClientsPath } from './client-routes.js';
import {
  callFunction,
  currentUser,
  getDevice,
  getVariable,
  listDevices,
  listProductDevices,
  pingDevice,
  updateDevice,
  type DeviceTarget,
} from './device-routes.js';
import { openEventStream, publishEvent } from './event-routes.js';
import { jsonReply } from './replies.js';
import type { FakeState } from './state.js';
import { handleTokenRequest } from './token-endpoint.js';
import type { IncomingCall, RouteResult } from './types.js';

export const TOKEN_PATH = '/oauth/token';

export function routeCall(state: FakeState, call: IncomingCall): RouteResult {
  const { method, path } = call;
  // Any method reaches the token endpoint so that a GET gets Particle's "must be POST" answer.
  if (path === TOKEN_PATH) return handleTokenRequest(state, call);
  if (path === '/oauth/authorize' && method === 'GET') return authorize(state, call);
  if (path === '/v1/access_tokens/current' && (method === 'GET' || method === 'DELETE')) {
    return currentAccessToken(state, call);
  }
  const clientsPath = matchClientsPath(path);
  const reply = clientsPath ? clientRoutes(state, call, clientsPath) : deviceCloudRoute(state, call);
  return (
    reply ??
    jsonReply(404, { ok: false, error: 'not_found', error_description: `No route for ${method} ${path}` })
  );
}

/**
 * §11 / §16: `/v1/user`, and the device and event routes with or without a leading `/v1/products/:p`.
 * Event paths win over device ids and variable names, as `events` is no device Particle would name.
 */
function deviceCloudRoute(state: FakeState, call: IncomingCall): RouteResult | undefined {
  const segments = pathSegments(call.path);
  if (segments?.[0] !== 'v1') return undefined;
  const inProduct = segments[1] === 'products' && segments[2] !== undefined;
  const product = inProduct ? segments[2] : undefined;
  const rest = segments.slice(inProduct ? 3 : 1);
  const [head, second, third, fourth, ...extra] = rest;
  const method = call.method;
  if (extra.length > 0) return undefined;
  if (head === 'user' && second === undefined && product === undefined && method === 'GET') {
    return currentUser(state, call);
  }
  if (head === 'events' && third === undefined) {
    if (method === 'GET') {
      return openEventStream(state, call, product ? { kind: 'product', product } : { kind: 'mine' }, second);
    }
    if (method === 'POST' && product !== undefined && second === undefined) {
      return publishEvent(state, call, product);
    }
    return undefined;
  }
  if (head !== 'devices') return undefined;
  if (second === undefined) {
    if (method !== 'GET') return undefined;
    return product === undefined ? listDevices(state, call) : listProductDevices(state, call, product);
  }
  if (second === 'events' && product === undefined && fourth === undefined) {
    if (method === 'GET') return openEventStream(state, call, { kind: 'mine' }, third);
    if (method === 'POST' && third === undefined) return publishEvent(state, call);
    return undefined;
  }
  const target: DeviceTarget = { device: second, ...(product === undefined ? {} : { product }) };
  if (third === 'events' && method === 'GET' && product === undefined) {
    return openEventStream(state, call, { kind: 'device', device: second }, fourth);
  }
  if (fourth !== undefined) return undefined;
  if (third === undefined) {
    if (method === 'GET') return getDevice(state, call, target);
    return method === 'PUT' ? updateDevice(state, call, target) : undefined;
  }
  if (third === 'ping' && method === 'PUT') return pingDevice(state, call, target);
  if (method === 'GET') return getVariable(state, call, target, third);
  return method === 'POST' ? callFunction(state, call, target, third) : undefined;
}

/** Split before decoding, so an event prefix with an encoded slash stays one segment. */
function pathSegments(path: string): string[] | undefined {
  try {
    return path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}
