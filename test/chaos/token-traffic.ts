import type { Replica } from './replicas.js';

/** One POST /v1/tenants/{id}/tokens as a caller saw it. */
export interface TokenSample {
  /** When it was sent (epoch ms). */
  at: number;
  ms: number;
  replica: string;
  /** HTTP status; 0: no answer within the hang bound; -1: the connection failed. */
  status: number;
  /** 200, or a problem+json 503 with Retry-After: what a caller can act on. */
  clean: boolean;
  detail: string;
}

export interface TrafficOptions {
  replicas: () => readonly Replica[];
  tenants: readonly string[];
  key: string;
  callers: number;
  minTtlSeconds: number;
  /** A request still unanswered after this long counts as a hang. */
  hangMs: number;
}

/**
 * Internal callers asking for tokens in a loop, spread over the replicas and tenants, until stopped.
 * Every answer is kept, so a scenario can look at any phase of it.
 */
export class TokenTraffic {
  readonly samples: TokenSample[] = [];
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly o: TrafficOptions) {}

  start(): void {
    this.running = Promise.all(Array.from({ length: this.o.callers }, (_, c) => this.caller(c))).then(
      () => undefined,
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  between(from: number, to: number): TokenSample[] {
    return this.samples.filter((s) => s.at >= from && s.at < to);
  }

  private async caller(c: number): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const replicas = this.o.replicas();
      const replica = replicas[(c + n) % replicas.length];
      const tenant = this.o.tenants[(c * 7 + n) % this.o.tenants.length];
      if (!replica || !tenant) return;
      this.samples.push(await this.ask(replica, tenant));
      // A short pause keeps the loop from starving the replicas' event loops on a 2-core machine.
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async ask(replica: Replica, tenant: string): Promise<TokenSample> {
    const at = Date.now();
    const sample = (status: number, clean: boolean, detail: string): TokenSample => ({
      at,
      ms: Date.now() - at,
      replica: replica.name,
      status,
      clean,
      detail,
    });
    try {
      const res = await fetch(`${replica.url}/v1/tenants/${tenant}/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.o.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ min_ttl_seconds: this.o.minTtlSeconds }),
        signal: AbortSignal.timeout(this.o.hangMs),
      });
      const text = await res.text();
      const problem = res.headers.get('content-type')?.includes('application/problem+json') ?? false;
      const clean =
        res.status === 200 || (res.status === 503 && problem && Number(res.headers.get('retry-after')) > 0);
      return sample(res.status, clean, res.status === 200 ? '' : text.slice(0, 300));
    } catch (err) {
      const hang = err instanceof Error && err.name === 'TimeoutError';
      return sample(hang ? 0 : -1, false, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
  }
}

/** Counts per status, for the printed report. */
export function byStatus(samples: readonly TokenSample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) counts[String(s.status)] = (counts[String(s.status)] ?? 0) + 1;
  return counts;
}
