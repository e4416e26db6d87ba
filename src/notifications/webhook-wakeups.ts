import { Injectable, Logger } from '@nestjs/common';
import { DatabaseNotifications } from '../database/database-notifications.js';

/** The channel `webhook_enqueue` notifies when it queues deliveries (the Webhooks migration). */
export const WEBHOOK_CHANNEL = 'broker_webhooks';

/**
 * Wakes the delivery worker when events are queued, so a replica starts on a new backlog at once instead
 * of at its next poll. The poll stays the fallback: a notification sent while the LISTEN connection is
 * down is lost, so each (re)connection wakes the worker once too. Nothing here decides what is delivered.
 */
@Injectable()
export class WebhookWakeups {
  private readonly logger = new Logger(WebhookWakeups.name);
  private unsubscribe: (() => void) | undefined;
  private listening = false;

  constructor(private readonly notifications: DatabaseNotifications) {}

  /** Calls `wake` at each notification and after each (re)connection, until stop(). */
  start(wake: () => void): void {
    this.unsubscribe = this.notifications.subscribe(WEBHOOK_CHANNEL, {
      notified: wake,
      listening: () => {
        this.listening = true;
        wake();
      },
      connectionLost: () => {
        if (!this.listening) return;
        this.listening = false;
        this.logger.warn('webhook LISTEN connection lost; polling until it is back');
      },
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.listening = false;
  }
}
