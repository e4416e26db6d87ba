import { jsonReply } from './replies.js';
import type { FakeState } from './state.js';
import type { AccessGrant } from './token-store.js';
import type { FakeDevice, Reply, VariableValue } from './types.js';

/** A device as the fake keeps it: defaults applied, and when it was last heard from. */
export interface DeviceRecord extends FakeDevice {
  online: boolean;
  platformId: number;
  lastHeard: number;
}

export function deviceRecord(device: FakeDevice, now: number): DeviceRecord {
  return {
    ...device,
    functions: { ...device.functions },
    variables: { ...device.variables },
    online: device.online ?? true,
    platformId: device.platformId ?? 12,
    lastHeard: now,
  };
}

/** §11: a path names a product by id or by slug. */
export function productIdOf(state: FakeState, param: string): number | undefined {
  const id = Number(param);
  if (Number.isInteger(id) && id > 0) return id;
  return [...state.products.values()].find((product) => product.slug === param)?.id;
}

/**
 * A product's own (non-customer) client tokens and its team members reach its devices; a customer's
 * token (§8) reaches only the devices the customer owns.
 */
export function mayUseProduct(state: FakeState, grant: AccessGrant, productId: number): boolean {
  const client = state.clients.get(grant.clientId);
  const customer = grant.scope?.startsWith('customer=') ?? false;
  if (client?.kind === 'product' && client.productId === productId && !customer) return true;
  const members = state.products.get(productId)?.members ?? [];
  return grant.username !== undefined && members.includes(grant.username);
}

export function mayUseDevice(state: FakeState, grant: AccessGrant, device: DeviceRecord): boolean {
  if (grant.username !== undefined && device.owner === grant.username) return true;
  return device.productId !== undefined && mayUseProduct(state, grant, device.productId);
}

export type ProductAccess = { productId: number } | { reply: Reply };

export function productAccess(state: FakeState, grant: AccessGrant, param: string): ProductAccess {
  const productId = productIdOf(state, param);
  if (productId === undefined) return { reply: jsonReply(404, { ok: false, error: 'Product not found' }) };
  if (!mayUseProduct(state, grant, productId)) return { reply: permissionDenied() };
  return { productId };
}

export type DeviceAccess = { device: DeviceRecord } | { reply: Reply };

/**
 * §11 / §12: a device by id or name; 404 when the fake does not know it (or it is not in the product
 * named), 403 when it exists but the token may not use it.
 */
export function deviceAccess(
  state: FakeState,
  grant: AccessGrant,
  idOrName: string,
  productId?: number,
): DeviceAccess {
  const device =
    state.devices.get(idOrName) ??
    [...state.devices.values()].find(
      (candidate) => candidate.name === idOrName && mayUseDevice(state, grant, candidate),
    );
  if (!device || (productId !== undefined && device.productId !== productId)) {
    return { reply: jsonReply(404, { ok: false, error: 'Device not found.' }) };
  }
  if (!mayUseDevice(state, grant, device)) return { reply: permissionDenied() };
  return { device };
}

/** §11: the fields Particle lists for a device; a non-product device's product_id is its platform. */
export function deviceView(device: DeviceRecord): Record<string, unknown> {
  const heard = new Date(device.lastHeard).toISOString();
  return {
    id: device.id,
    name: device.name,
    last_app: null,
    last_ip_address: null,
    last_heard: heard,
    last_handshake_at: heard,
    product_id: device.productId ?? device.platformId,
    online: device.online,
    connected: device.online,
    platform_id: device.platformId,
    cellular: device.cellular ?? false,
    notes: null,
    status: 'normal',
    serial_number: `FAKE${device.id.slice(-8).toUpperCase()}`,
    functions: Object.keys(device.functions ?? {}),
    variables: Object.fromEntries(
      Object.entries(device.variables ?? {}).map(([name, value]) => [name, variableType(valueOf(value))]),
    ),
  };
}

export function valueOf(variable: VariableValue | (() => VariableValue)): VariableValue {
  return typeof variable === 'function' ? variable() : variable;
}

/** The type names Particle's device description uses. */
function variableType(value: VariableValue): string {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  return Number.isInteger(value) ? 'int32' : 'double';
}

function permissionDenied(): Reply {
  return jsonReply(403, { ok: false, error: 'Permission Denied' });
}
