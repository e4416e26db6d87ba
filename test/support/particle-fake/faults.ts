import { STATUS_CODES } from 'node:http';

import type { Fault, FaultOptions, Reply } from './types.js';

interface ArmedFault {
  fault: Fault;
  options: FaultOptions;
  remaining: number;
  rate: number;
}

/** What a fault is matched against: the request's method, path (no query) and bearer token. */
export interface FaultTarget {
  method: string;
  path: string;
  accessToken: string | undefined;
}

export class FaultRegistry {
  private armed: ArmedFault[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(fault: Fault, options: FaultOptions = {}): void {
    const rate = options.rate ?? 1;
    if (rate < 0 || rate > 1) throw new RangeError(`fault rate must be within 0..1, got ${rate}`);
    this.armed.push({ fault, options, remaining: options.times ?? Infinity, rate });
  }

  /** The first armed fault that matches and wins its dice roll, spending one of its `times`. */
  take(target: FaultTarget): Fault | undefined {
    for (const entry of this.armed) {
      if (!matches(entry.options, target) || this.random() >= entry.rate) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.armed = this.armed.filter((other) => other !== entry);
      return entry.fault;
    }
    return undefined;
  }

  clear(): void {
    this.armed = [];
  }
}

function matches(options: FaultOptions, target: FaultTarget): boolean {
  const { path, method, accessToken } = options;
  if (method !== undefined && method.toUpperCase() !== target.method.toUpperCase()) return false;
  if (accessToken !== undefined && accessToken !== target.accessToken) return false;
  if (path === undefined) return true;
  // search() ignores lastIndex, so a /g pattern matches every time.
  return typeof path === 'string' ? target.path.startsWith(path) : target.path.search(path) !== -1;
}

/** §15: a broker must cope with JSON errors and with a load balancer's HTML page that has no JSON at all. */
export function faultReply(fault: Extract<Fault, { kind: 'status' }>): Reply {
  const { status } = fault;
  if (fault.html) {
    const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
    return {
      status,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
      text: `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`,
    };
  }
  if (typeof fault.body === 'string') return { status, text: fault.body };
  if (fault.body !== undefined) return { status, json: fault.body };
  return {
    status,
    error: 'server_error',
    json: { error: 'server_error', error_description: 'Injected fault' },
  };
}
