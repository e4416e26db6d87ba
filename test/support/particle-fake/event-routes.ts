import { authorizeBearer } from './bearer.js';
import { deviceAccess, productAccess } from './devices.js';
import { fieldsOf } from './fields.js';
import { jsonReply } from './replies.js';
import type { FakeState } from './state.js';
import type { FakeEvent, IncomingCall, PublishedEvent, Reply, RouteResult } from './types.js';

/** §16: an event's default time to live, in seconds. */
const DEFAULT_TTL = 60;

/** Which events a stream path asks for: the owner's, one device's, or one product's. */
export type StreamScope =
  { kind: 'mine' } | { kind: 'device'; device: string } | { kind: 'product'; product: string };

/** §16: `GET .../events[/:prefix]`; the token is checked at open only, so a revoked token's stream lives on. */
export function openEventStream(
  state: FakeState,
  call: IncomingCall,
  scope: StreamScope,
  prefix = '',
): RouteResult {
  const auth = authorizeBearer(state, call, 'events:get');
  if ('reply' in auth) return auth.reply;
  let inScope: (event: PublishedEvent) => boolean;
  if (scope.kind === 'mine') {
    const { username } = auth.grant;
    inScope = (event) => username !== undefined && event.owner === username;
  } else if (scope.kind === 'device') {
    const access = deviceAccess(state, auth.grant, scope.device);
    if ('reply' in access) return access.reply;
    const { id } = access.device;
    inScope = (event) => event.coreid === id;
  } else {
    const access = productAccess(state, auth.grant, scope.product);
    if ('reply' in access) return access.reply;
    const { productId } = access;
    inScope = (event) => event.product === productId;
  }
  const refusal = state.events.admit();
  if (refusal) return refusal;
  return {
    status: 200,
    stream: { path: call.path, accepts: (event) => event.name.startsWith(prefix) && inScope(event) },
  };
}

/**
 * §11: `POST /v1/devices/events` (the owner's) or `/v1/products/:p/events`, form or JSON `name`, `data`,
 * `private`, `ttl`. Events from the API carry coreid "api".
 */
export function publishEvent(state: FakeState, call: IncomingCall, product?: string): Reply {
  const auth = authorizeBearer(state, call, 'events:send');
  if ('reply' in auth) return auth.reply;
  let productId: number | undefined;
  if (product !== undefined) {
    const access = productAccess(state, auth.grant, product);
    if ('reply' in access) return access.reply;
    productId = access.productId;
  }
  const fields = fieldsOf(call, true);
  if (!fields) return jsonReply(400, { ok: false, error: 'The body must be JSON or form encoded' });
  if (!fields.name) return jsonReply(400, { ok: false, error: 'Missing event name' });
  const ttl = Number(fields.ttl ?? DEFAULT_TTL);
  state.events.publish(
    publishedEvent(state, {
      name: fields.name,
      ...(fields.data === undefined ? {} : { data: fields.data }),
      ...(Number.isFinite(ttl) ? { ttl } : {}),
      ...(productId === undefined ? {} : { product: productId }),
      ...(productId === undefined && auth.grant.username ? { username: auth.grant.username } : {}),
    }),
  );
  return jsonReply(200, { ok: true });
}

/** A test's event, or the API's, with the owner and product a known device supplies. */
export function publishedEvent(state: FakeState, event: FakeEvent): PublishedEvent {
  const device = event.coreid === undefined ? undefined : state.devices.get(event.coreid);
  const owner = event.username ?? device?.owner;
  const product = event.product ?? device?.productId;
  return {
    name: event.name,
    data: event.data ?? null,
    ttl: event.ttl ?? DEFAULT_TTL,
    publishedAt: state.now(),
    coreid: event.coreid ?? 'api',
    ...(owner === undefined ? {} : { owner }),
    ...(product === undefined ? {} : { product }),
  };
}
