import type { SecretKind } from '../leak-check/records.js';
import type { DeviceRecord } from './devices.js';
import type { EventHub } from './event-hub.js';
import type { TokenStore } from './token-store.js';
import type { FakeClient, FakeProduct, FakeUser } from './types.js';

/** What the routes share with the fake; the fake owns it, the routes only read and mutate through it. */
export interface FakeState {
  readonly now: () => number;
  readonly clients: Map<string, FakeClient>;
  readonly users: Map<string, FakeUser>;
  readonly tokens: TokenStore;
  readonly devices: Map<string, DeviceRecord>;
  readonly products: Map<number, FakeProduct>;
  readonly events: EventHub;
  remember(kind: SecretKind, secret: string | undefined): void;
  authorizeDecision(): 'approve' | 'deny';
}
