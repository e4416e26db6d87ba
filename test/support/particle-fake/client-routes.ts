import { randomInt } from 'node:crypto';

import { authenticateBearer } from './bearer.js';
import { fieldsOf } from './fields.js';
import { jsonReply, randomHex } from './replies.js';
import type { FakeState } from './state.js';
import type { FakeClient, IncomingCall, Reply } from './types.js';

/** Which collection a clients URL names; `productId` is undefined when the product was given by slug. */
export interface ClientsPath {
  kind: 'user' | 'product';
  productId?: number;
  clientId?: string;
}

export function matchClientsPath(path: string): ClientsPath | undefined {
  const product = /^\/v1\/products\/([^/]+)\/clients(?:\/([^/]+))?$/.exec(path);
  if (product?.[1]) {
    const productId = Number(product[1]);
    return {
      kind: 'product',
      ...(Number.isInteger(productId) ? { productId } : {}),
      ...(product[2] ? { clientId: decodeURIComponent(product[2]) } : {}),
    };
  }
  const user = /^\/v1\/clients(?:\/([^/]+))?$/.exec(path);
  if (!user) return undefined;
  return { kind: 'user', ...(user[1] ? { clientId: decodeURIComponent(user[1]) } : {}) };
}

type ClientHandler = (state: FakeState, call: IncomingCall, target: ClientsPath) => Reply;

const COLLECTION_ROUTES: Record<string, ClientHandler> = { GET: listClients, POST: createClient };
const ITEM_ROUTES: Record<string, ClientHandler> = { DELETE: deleteClient };

/** §7: list, create and delete, user-level and product-level, with any valid bearer token. */
export function clientRoutes(state: FakeState, call: IncomingCall, target: ClientsPath): Reply | undefined {
  const route = (target.clientId === undefined ? COLLECTION_ROUTES : ITEM_ROUTES)[call.method];
  if (!route) return undefined;
  const auth = authenticateBearer(state, call);
  if ('reply' in auth) return auth.reply;
  return route(state, call, target);
}

function listClients(state: FakeState, _call: IncomingCall, target: ClientsPath): Reply {
  const clients = [...state.clients.values()].filter((client) => belongsTo(client, target));
  // §7: a secret is never shown again after creation.
  return jsonReply(200, { ok: true, clients: clients.map(publicView) });
}

function createClient(state: FakeState, call: IncomingCall, target: ClientsPath): Reply {
  // §15: the SDK sends JSON here, curl examples send forms; both are accepted.
  const fields = fieldsOf(call);
  if (!fields) return badRequest('The body must be JSON or form encoded');
  const { name, type, redirect_uri: redirectUri, scope } = fields;
  if (!name) return badRequest('name is required');
  if (type !== 'installed' && type !== 'web') return badRequest('type must be installed or web');
  // §7: only the authorization-code (web) type needs somewhere to send the user back.
  if (type === 'web' && !redirectUri) return badRequest('redirect_uri is required for web clients');
  const client: FakeClient = {
    id: uniqueClientId(state, name),
    secret: randomHex(),
    kind: target.kind,
    type,
    name,
    ...(target.productId === undefined ? {} : { productId: target.productId }),
    ...(type === 'web' && redirectUri ? { redirectUri } : {}),
    ...(scope ? { scope } : {}),
  };
  state.clients.set(client.id, client);
  state.remember('client_secret', client.secret);
  return jsonReply(200, { ok: true, client: { ...publicView(client), secret: client.secret } });
}

function deleteClient(state: FakeState, _call: IncomingCall, target: ClientsPath): Reply {
  const client = state.clients.get(target.clientId ?? '');
  if (!client || !belongsTo(client, target)) {
    return jsonReply(404, { ok: false, error: 'not_found', error_description: 'Client not found' });
  }
  // §7: whether deleting a client revokes its tokens is UNCONFIRMED, so they survive; its secret fails.
  state.clients.delete(client.id);
  return { status: 204 };
}

function belongsTo(client: FakeClient, target: ClientsPath): boolean {
  return client.kind === target.kind && (target.kind === 'user' || client.productId === target.productId);
}

function publicView(client: FakeClient): Record<string, string> {
  return {
    id: client.id,
    name: client.name ?? client.id,
    type: client.type ?? 'installed',
    ...(client.redirectUri ? { redirect_uri: client.redirectUri } : {}),
    ...(client.scope ? { scope: client.scope } : {}),
  };
}

/** Shaped like the ids in §7's examples ("myapp-2146"), within the framework's id pattern (§2.1). */
function uniqueClientId(state: FakeState, name: string): string {
  const stem =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 30) || 'client';
  for (;;) {
    const id = `${stem}-${randomInt(1000, 10000)}`;
    if (!state.clients.has(id)) return id;
  }
}

function badRequest(description: string): Reply {
  return jsonReply(400, { ok: false, error: 'invalid_request', error_description: description });
}
