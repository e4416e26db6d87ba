import { authenticateBearer, authorizeBearer, type DeviceCloudScope } from './bearer.js';
import { deviceAccess, deviceView, productAccess, valueOf, type DeviceRecord } from './devices.js';
import { fieldsOf } from './fields.js';
import { jsonReply } from './replies.js';
import type { FakeState } from './state.js';
import type { IncomingCall, Reply } from './types.js';

/** §11: 25 devices per page unless the caller asks otherwise. */
const DEFAULT_PER_PAGE = 25;

/** §11 / §16: what an offline device answers to calls and reads. */
const TIMED_OUT = { ok: false, error: 'timed out' };

/** Where a device route points: the device segment, and the product when the path names one. */
export interface DeviceTarget {
  product?: string;
  device: string;
}

/** §11: the token owner's devices; product devices appear only once claimed by the owner. */
export function listDevices(state: FakeState, call: IncomingCall): Reply {
  const auth = authorizeBearer(state, call, 'devices:list');
  if ('reply' in auth) return auth.reply;
  const { username } = auth.grant;
  const owned = [...state.devices.values()].filter((device) => username && device.owner === username);
  return jsonReply(200, owned.map(deviceView));
}

/** §11: `{devices, meta}`, paged by the SDK's `page` and `per_page`, filtered by its deviceId / deviceName. */
export function listProductDevices(state: FakeState, call: IncomingCall, product: string): Reply {
  const auth = authorizeBearer(state, call, 'devices:list');
  if ('reply' in auth) return auth.reply;
  const access = productAccess(state, auth.grant, product);
  if ('reply' in access) return access.reply;
  const idFilter = call.query.get('deviceId') ?? '';
  const nameFilter = call.query.get('deviceName') ?? '';
  const devices = [...state.devices.values()].filter(
    (device) =>
      device.productId === access.productId &&
      device.id.includes(idFilter) &&
      device.name.includes(nameFilter),
  );
  const page = positive(call.query.get('page'), 1);
  const perPage = positive(call.query.get('per_page'), DEFAULT_PER_PAGE);
  const shown = devices.slice((page - 1) * perPage, page * perPage);
  return jsonReply(200, {
    devices: shown.map(deviceView),
    customers: [],
    meta: {
      page,
      per_page: perPage,
      total_pages: Math.max(1, Math.ceil(devices.length / perPage)),
      total: devices.length,
    },
  });
}

export function getDevice(state: FakeState, call: IncomingCall, target: DeviceTarget): Reply {
  const found = findDevice(state, call, target, 'devices:get');
  return 'reply' in found ? found.reply : jsonReply(200, deviceView(found.device));
}

/** The SDK's signalDevice (`signal` "1"/"0", §15) and renameDevice / setDeviceNotes land here. */
export function updateDevice(state: FakeState, call: IncomingCall, target: DeviceTarget): Reply {
  const found = findDevice(state, call, target, 'devices:update');
  if ('reply' in found) return found.reply;
  const fields = fieldsOf(call, true);
  if (!fields) return badRequest('The body must be JSON or form encoded');
  const { device } = found;
  if (fields.name) device.name = fields.name;
  return jsonReply(200, {
    id: device.id,
    name: device.name,
    connected: device.online,
    ...(fields.signal === undefined ? {} : { signaling: fields.signal === '1' || fields.signal === 'true' }),
    ...(fields.notes === undefined ? {} : { notes: fields.notes }),
    updated_at: new Date(state.now()).toISOString(),
  });
}

/** §11: form `arg` (the docs) or `args` (the SDK's JSON); 400 unless exposed, 408 while offline. */
export function callFunction(
  state: FakeState,
  call: IncomingCall,
  target: DeviceTarget,
  name: string,
): Reply {
  const found = findDevice(state, call, target, 'devices.function:call');
  if ('reply' in found) return found.reply;
  const { device } = found;
  const fn = device.functions?.[name];
  if (!fn) return badRequest(`Function ${name} not found`);
  if (!device.online) return jsonReply(408, TIMED_OUT);
  const fields = fieldsOf(call, true);
  if (!fields) return badRequest('The body must be JSON or form encoded');
  const returnValue = fn(fields.arg ?? fields.args ?? '');
  device.lastHeard = state.now();
  if (call.query.get('format') === 'raw' || fields.format === 'raw') return textReply(String(returnValue));
  return jsonReply(200, { id: device.id, last_app: '', connected: true, return_value: returnValue });
}

/** §11: `{name, result, coreInfo}`; 404 for a variable the firmware does not expose, 408 while offline. */
export function getVariable(state: FakeState, call: IncomingCall, target: DeviceTarget, name: string): Reply {
  const found = findDevice(state, call, target, 'devices.variable:get');
  if ('reply' in found) return found.reply;
  const { device } = found;
  const variable = device.variables?.[name];
  if (variable === undefined) return jsonReply(404, { ok: false, error: 'Variable not found' });
  if (!device.online) return jsonReply(408, TIMED_OUT);
  const result = valueOf(variable);
  device.lastHeard = state.now();
  if (call.query.get('format') === 'raw') return textReply(String(result));
  return jsonReply(200, { cmd: 'VarReturn', name, result, coreInfo: coreInfo(device) });
}

/** §16: a ping answers 200 either way; only `online` tells. */
export function pingDevice(state: FakeState, call: IncomingCall, target: DeviceTarget): Reply {
  const found = findDevice(state, call, target, 'devices:ping');
  if ('reply' in found) return found.reply;
  if (found.device.online) found.device.lastHeard = state.now();
  return jsonReply(200, { online: found.device.online, ok: true });
}

/** §11: the account behind the token; product tokens without a user have none. */
export function currentUser(state: FakeState, call: IncomingCall): Reply {
  const auth = authenticateBearer(state, call);
  if ('reply' in auth) return auth.reply;
  const { username } = auth.grant;
  if (username === undefined) return jsonReply(403, { ok: false, error: 'Permission Denied' });
  const user = state.users.get(username);
  const owned = [...state.devices.values()].filter((device) => device.owner === username);
  return jsonReply(200, {
    username,
    subscription_ids: [],
    account_info: { first_name: '', last_name: '', business_account: false },
    team_invites: [],
    mfa: { enabled: user?.mfaSecretOtp !== undefined },
    scim_provisioned: false,
    no_password: user?.sso ?? false,
    wifi_device_count: owned.filter((device) => !device.cellular).length,
    cellular_device_count: owned.filter((device) => device.cellular).length,
  });
}

function findDevice(
  state: FakeState,
  call: IncomingCall,
  target: DeviceTarget,
  scope: DeviceCloudScope,
): { device: DeviceRecord } | { reply: Reply } {
  const auth = authorizeBearer(state, call, scope);
  if ('reply' in auth) return auth;
  if (target.product === undefined) return deviceAccess(state, auth.grant, target.device);
  const access = productAccess(state, auth.grant, target.product);
  if ('reply' in access) return access;
  return deviceAccess(state, auth.grant, target.device, access.productId);
}

function coreInfo(device: DeviceRecord): Record<string, unknown> {
  return {
    name: device.name,
    deviceID: device.id,
    connected: device.online,
    last_app: '',
    last_heard: new Date(device.lastHeard).toISOString(),
    last_handshake_at: new Date(device.lastHeard).toISOString(),
    product_id: device.productId ?? device.platformId,
  };
}

function positive(text: string | null, fallback: number): number {
  const value = Number(text ?? '');
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function textReply(text: string): Reply {
  return { status: 200, text };
}

function badRequest(error: string): Reply {
  return jsonReply(400, { ok: false, error });
}
