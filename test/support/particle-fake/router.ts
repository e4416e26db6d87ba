import { currentAccessToken, listDevices } from './account-routes.js';
import { authorize } from './authorize.js';
import { clientRoutes, matchClientsPath } from './client-routes.js';
import { jsonReply } from './replies.js';
import type { FakeState } from './state.js';
import { handleTokenRequest } from './token-endpoint.js';
import type { IncomingCall, Reply } from './types.js';

export const TOKEN_PATH = '/oauth/token';

export function routeCall(state: FakeState, call: IncomingCall): Reply {
  const { method, path } = call;
  // Any method reaches the token endpoint so that a GET gets Particle's "must be POST" answer.
  if (path === TOKEN_PATH) return handleTokenRequest(state, call);
  if (path === '/oauth/authorize' && method === 'GET') return authorize(state, call);
  if (path === '/v1/access_tokens/current' && (method === 'GET' || method === 'DELETE')) {
    return currentAccessToken(state, call);
  }
  if (path === '/v1/devices' && method === 'GET') return listDevices(state, call);
  const clientsPath = matchClientsPath(path);
  const reply = clientsPath ? clientRoutes(state, call, clientsPath) : undefined;
  return (
    reply ??
    jsonReply(404, { ok: false, error: 'not_found', error_description: `No route for ${method} ${path}` })
  );
}
