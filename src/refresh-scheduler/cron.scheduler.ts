import { Injectable } from '@nestjs/common';
import { CronJob } from 'cron';

export interface ScheduledJob {
  stop(): Promise<void> | void;
}

/**
 * The clock that starts sweeps, behind an injectable so tests and the CLI decide when (or whether) they
 * run. Ticks never keep the process alive.
 */
@Injectable()
export class CronScheduler {
  schedule(cronTime: string, onTick: () => void): ScheduledJob {
    const job = CronJob.from({ cronTime, onTick, start: true, unrefTimeout: true });
    return { stop: () => job.stop() };
  }
}
