import { Logger } from '@nestjs/common';
import { requestFields } from '../logging/app-logger.js';
import { isParticleError } from './particle.errors.js';
import type { EgressCall, EgressPermit, TokenEndpointGuard } from './token-endpoint-guard.js';

/** What a token call needs of the guard: the guard itself, or a lane in front of it. */
export interface EgressPermits {
  acquire(call: EgressCall): Promise<EgressPermit>;
  recordOutcome(success: boolean, permit: EgressPermit): Promise<void>;
}

/** A held-back success is recorded on its own once it has waited this long for the lane's next call. */
const HOLD_MS = 1_000;

/**
 * For a caller whose token calls come one after another (a sweep lane). A success is held back and
 * recorded by the lane's next admission, in the same statement (ADMIT's $8), so each call costs one
 * statement on the shared `particle_egress` row instead of two; that row is where every replica's token
 * calls queue. A failure is recorded at once, as always: the lockout count must never wait.
 *
 * Holding a success back is on the cautious side: its lease stays counted as in flight (the lockout
 * margin sees one more call that might fail) until it is recorded, at the latest HOLD_MS later (the lane
 * may go on to calls that need no token, or wait for work) or when the owner calls `settle`, which it
 * must when done. A success lost to a crash meanwhile expires and counts as a failure, the cautious side.
 */
export class EgressLane implements EgressPermits {
  private readonly logger = new Logger(EgressLane.name);
  private succeeded: EgressPermit | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A success being recorded on its own: the next decision waits for it, so outcomes stay in order. */
  private settling: Promise<void> = Promise.resolve();

  /** `requestId`: the request the lane works for (a sweep it started), named in the lane's log lines. */
  constructor(
    private readonly guard: TokenEndpointGuard,
    private readonly requestId?: string,
  ) {}

  async acquire(call: EgressCall): Promise<EgressPermit> {
    clearTimeout(this.timer);
    await this.settling;
    const succeeded = this.succeeded;
    this.succeeded = undefined;
    try {
      return await this.guard.acquire(call, succeeded);
    } catch (err) {
      // A refusal is an answer: its statement recorded the success. Anything else may not have.
      if (!isParticleError(err)) this.succeeded ??= succeeded;
      throw err;
    }
  }

  async recordOutcome(success: boolean, permit: EgressPermit): Promise<void> {
    await this.settle();
    if (success) {
      this.succeeded = permit;
      this.timer = setTimeout(() => {
        this.settling = this.settle().catch((err: unknown) =>
          this.logger.error(
            requestFields(this.requestId),
            `Could not record a token-endpoint success: ${err instanceof Error ? err.message : 'unknown error'}`,
          ),
        );
      }, HOLD_MS).unref();
    } else {
      await this.guard.recordOutcome(false, permit);
    }
  }

  /** Records a held-back success now. */
  async settle(): Promise<void> {
    clearTimeout(this.timer);
    await this.settling;
    const succeeded = this.succeeded;
    this.succeeded = undefined;
    if (succeeded) await this.guard.recordOutcome(true, succeeded);
  }
}
