import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DatabaseNotifications } from '../database/database-notifications.js';

/** Channel on which every credential write announces its tenant id. */
export const CREDENTIAL_CHANNEL = 'broker_credentials';
/** While the LISTEN connection is down, subscribers hear `mayHaveMissed` at least this often. */
const MISSED_EVERY_MS = 1_000;

/** What a subscriber hears: one tenant's credentials changed, or changes may have been missed. */
export interface CredentialChangeSubscriber {
  tenantChanged(tenantId: string): void;
  /** The connection was lost or has just come back: forget everything that a change could make stale. */
  mayHaveMissed(): void;
}

/**
 * Hears credential changes made by any replica (every write of the table notifies its tenant at commit,
 * on the replica's LISTEN connection) and tells this replica's subscribers: the token cache evicts, callers
 * waiting for another's renewal wake up. While the connection is down (every second, since what was
 * cached meanwhile may already be stale) and when it comes back, subscribers hear `mayHaveMissed`, so
 * correctness never depends on the listener being up; only speed does.
 */
@Injectable()
export class CredentialChangesListener implements OnApplicationShutdown {
  private readonly subscribers = new Set<CredentialChangeSubscriber>();
  private whileDown: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(notifications: DatabaseNotifications) {
    this.unsubscribe = notifications.subscribe(CREDENTIAL_CHANNEL, {
      notified: (tenantId) => {
        if (!tenantId) return;
        for (const s of this.subscribers) s.tenantChanged(tenantId);
      },
      listening: () => {
        clearInterval(this.whileDown);
        this.whileDown = undefined;
        this.missed();
      },
      connectionLost: () => {
        this.missed();
        if (this.whileDown) return;
        this.whileDown = setInterval(() => this.missed(), MISSED_EVERY_MS);
        this.whileDown.unref();
      },
    });
  }

  /** Returns the unsubscribe function. */
  subscribe(subscriber: CredentialChangeSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  onApplicationShutdown(): void {
    clearInterval(this.whileDown);
    this.unsubscribe();
  }

  private missed(): void {
    for (const s of this.subscribers) s.mayHaveMissed();
  }
}
