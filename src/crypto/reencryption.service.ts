import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { AuditService } from '../audit/audit.service.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EncryptionStatus, summarizeEncryption } from './encryption-status.js';
import { Keyring } from './keyring.js';
import { columnName, SealedColumn, SEALED_COLUMNS, sealedLocation } from './sealed-columns.js';
import { SealedRow, SealedValuesRepository } from './sealed-values.repository.js';
import { SecretBox } from './secret-box.js';

export interface PassResult {
  rewritten: number;
  /** Values that could not be opened (corrupt, or bound elsewhere): left as they are, logged. */
  failed: number;
}

/** Rows per transaction: small enough that a renewal waiting on one of them waits milliseconds. */
const BATCH = 200;
/** Another look after a pass, for values an older replica (old key still active) wrote meanwhile. */
const RECHECK_MS = 10 * 60_000;
const RETRY_MS = 30_000;
/** Row ids named in the log per column and pass when values cannot be re-sealed. */
const LOGGED_FAILURES = 5;

/**
 * Key rotation (design.md §3 crypto): rewrites every sealed value that is under an older key of the
 * keyring with the active key, in batches, on every replica at once (SKIP LOCKED keeps their batches
 * disjoint). The database is the progress: a pass only looks for values not yet under the active key,
 * so a restart resumes where the last one stopped. Runs beside requests and never fails one.
 */
@Injectable()
export class ReencryptionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReencryptionService.name);
  private running: Promise<PassResult> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly repository: SealedValuesRepository,
    private readonly keyring: Keyring,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** After every module's init (the start-up key check included), so a refused start rewrites nothing. */
  onApplicationBootstrap(): void {
    if (this.config.reencryptInBackground) this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One whole pass now (tests, a CLI); a call while a pass runs on this replica shares that pass. */
  runOnce(): Promise<PassResult> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  async status(): Promise<EncryptionStatus> {
    const counts = await this.repository.countByKid();
    return summarizeEncryption(counts, this.keyring.kids, this.keyring.activeKid, this.running !== undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.runOnce();
      this.schedule(RECHECK_MS);
    } catch (err) {
      // Only the message: never the statement's parameters, which hold sealed values.
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err), retry_in_ms: RETRY_MS },
        're-encryption pass failed; retrying',
      );
      this.schedule(RETRY_MS);
    }
  }

  private async pass(): Promise<PassResult> {
    const activeKid = this.keyring.activeKid;
    // Only keys this replica holds: a value under a key it lacks is another replica's (or refused at start).
    const fromKids = this.keyring.kids.filter((kid) => kid !== activeKid);
    const result: PassResult = { rewritten: 0, failed: 0 };
    if (fromKids.length === 0) return result;
    const started = performance.now();
    const byColumn: Record<string, number> = {};
    for (const c of SEALED_COLUMNS) {
      if (this.stopping) break;
      const { rewritten, failed } = await this.rewriteColumn(c, fromKids);
      result.rewritten += rewritten;
      result.failed += failed;
      if (rewritten > 0) byColumn[columnName(c)] = rewritten;
    }
    if (result.rewritten > 0) {
      const details = {
        active_kid: activeKid,
        from_kids: fromKids,
        rewritten: result.rewritten,
        failed: result.failed,
        columns: byColumn,
        completed: !this.stopping,
        duration_ms: Math.round(performance.now() - started),
      };
      this.logger.log(details, `re-encrypted ${result.rewritten} values with key ${activeKid}`);
      await this.audit.record({
        actor: 'system',
        action: 'encryption.reencrypt',
        outcome: result.failed > 0 ? 'failure' : 'success',
        details,
      });
    }
    return result;
  }

  private async rewriteColumn(c: SealedColumn, fromKids: readonly string[]): Promise<PassResult> {
    const result: PassResult = { rewritten: 0, failed: 0 };
    const failures: { row_id: string; reason: string }[] = [];
    let afterId: string | undefined;
    while (!this.stopping) {
      const batch = await this.repository.rewriteBatch(c, fromKids, afterId, BATCH, (row) => {
        try {
          return this.reseal(c, row);
        } catch (err) {
          // SecretDecryptionError says why (no key, tampered, malformed) and never includes the value.
          failures.push({ row_id: row.id, reason: err instanceof Error ? err.message : String(err) });
          return undefined;
        }
      });
      result.rewritten += batch.rewritten;
      result.failed += batch.failed;
      afterId = batch.lastId;
      if (batch.claimed < BATCH) break;
      await yieldToRequests();
    }
    if (failures.length > 0) {
      this.logger.error(
        { column: columnName(c), failed: failures.length, first: failures.slice(0, LOGGED_FAILURES) },
        `${failures.length} values in ${columnName(c)} cannot be opened and stay under their old key`,
      );
    }
    return result;
  }

  /** Opens with the value's own key and seals with the active one, at the same location. */
  private reseal(c: SealedColumn, row: SealedRow): string {
    const location = sealedLocation(c, row.id);
    return this.box.seal(this.box.open(row.sealed, location), location);
  }
}
