import type { CredentialChangeSubscriber } from './credential-changes.listener.js';

/**
 * Callers waiting for another's renewal sleep here, on no connection: a change of the tenant's
 * credentials (a renewal's NOTIFY, from any replica) wakes them at once, a timeout at the latest.
 */
export class RenewalWaits implements CredentialChangeSubscriber {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves when the tenant's credentials change, when changes may have been missed, or after `ms`. */
  next(tenantId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiting.get(tenantId);
      if (!set) this.waiting.set(tenantId, (set = new Set()));
      const wake = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiting.get(tenantId) === set) this.waiting.delete(tenantId);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }

  tenantChanged(tenantId: string): void {
    for (const wake of [...(this.waiting.get(tenantId) ?? [])]) wake();
  }

  mayHaveMissed(): void {
    for (const set of [...this.waiting.values()]) for (const wake of [...set]) wake();
  }
}
