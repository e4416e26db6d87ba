/**
 * The fan-out bench's subscribers: plain node:http GETs (not fetch: an aborted fetch leaves undici's
 * spare connection behind), each on its own socket, parsing only what the measure needs so that the
 * measuring side stays light. Every event's data is `<seq> <publish time, epoch ms>` (the fake process's
 * publisher); the delay of each delivery is its receipt time minus that.
 */
import { request, type ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';

/** The fake's frame carries the event's data as a JSON string: `"data":"<seq> <ms>"`. */
const DATA = /"data":"(\d+) ([\d.]+)"/g;

/** Delays of every delivery, in ms, in one growing typed array (a million numbers, no garbage). */
export class DelayLog {
  private values = new Float64Array(1 << 20);
  length = 0;

  push(ms: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = ms;
  }

  /** p50, p99 and max, in ms (NaN when empty). */
  summary(): { p50: number; p99: number; max: number } {
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
  }

  clear(): void {
    this.length = 0;
  }
}

export class SseSubscriber {
  received = 0;
  outOfOrder = 0;
  private lastSeq = -1;
  private pending = '';
  private req: ClientRequest | undefined;

  constructor(
    /** The event name (and stream prefix) this subscriber follows. */
    readonly stream: string,
    private readonly delays: DelayLog,
  ) {}

  /** Resolves once the broker answered 200 and sent its opening comment. */
  open(url: string, key: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.req = request(
        url,
        { agent: false, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`subscriber ${this.stream}: ${res.statusCode}`));
            return;
          }
          res.setEncoding('latin1');
          res.once('data', () => resolve());
          res.on('data', (chunk: string) => this.take(chunk));
        },
      );
      this.req.on('error', reject);
      this.req.end();
    });
  }

  close(): void {
    this.req?.destroy();
  }

  /** Counts from here: what was received while connecting is forgotten. */
  resetCounts(): void {
    this.received = 0;
    this.outOfOrder = 0;
  }

  private take(chunk: string): void {
    const now = performance.timeOrigin + performance.now();
    const text = this.pending + chunk;
    const end = text.lastIndexOf('\n\n');
    if (end < 0) {
      this.pending = text;
      return;
    }
    this.pending = text.slice(end + 2);
    const frames = text.slice(0, end);
    DATA.lastIndex = 0;
    for (let m = DATA.exec(frames); m; m = DATA.exec(frames)) {
      const seq = Number(m[1]);
      this.delays.push(now - Number(m[2]));
      this.received += 1;
      if (seq <= this.lastSeq) this.outOfOrder += 1;
      this.lastSeq = seq;
    }
  }
}
