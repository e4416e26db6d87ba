import type { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import type { AppConfig } from '../config/config.js';
import { redactDeep } from './redaction.js';

/**
 * One pino logger per app instance: JSON lines, and any field named like a credential blanked at any depth
 * before it is written. A line written on behalf of a request names it in `reqId`, passed by the code that
 * writes it (`requestFields`): no async context, which on Node 20 would put a hook on every promise of the
 * process (a quarter of the token path's CPU, bench/README.md).
 */
export function createRootLogger(config: AppConfig, stream?: DestinationStream): Pino {
  return pino(
    {
      level: config.logLevel,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
    },
    stream ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** The fields that tie a log line to the request it was written for; none outside a request. */
export function requestFields(requestId: string | undefined): { reqId?: string } {
  return requestId === undefined ? {} : { reqId: requestId };
}

type Level = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/**
 * Nest's LoggerService on top of the app's pino logger. Nest passes the context (the class name) as the
 * last string argument; an object first argument becomes structured fields.
 */
export class AppLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const strings = rest.filter((r): r is string => typeof r === 'string');
    const context = strings.length > 0 ? strings[strings.length - 1] : undefined;
    const text = strings.length > 1 ? strings[0] : undefined;
    if (message && typeof message === 'object') {
      this.pino[level]({ ...message, context }, text);
    } else {
      this.pino[level]({ context }, String(message));
    }
  }
}
