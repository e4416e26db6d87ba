import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_SUFFIX, type ResponseRecord, type SecretKind } from './records.js';

/** Flushed past this many buffered characters, so a chatty file never holds much in memory. */
const FLUSH_AT_CHARS = 1 << 20;

type Stream = 'secrets' | 'logs' | 'responses';

/**
 * The worker side of the whole-run leak check: buffers what the fake and the test clients saw and
 * appends it to the run directory. Unconfigured (benchmarks, a lone script), every call is a no-op, which
 * is why this module must not import vitest.
 */
class LeakRecorder {
  private prefix: string | undefined;
  private readonly buffers: Record<Stream, string[]> = { secrets: [], logs: [], responses: [] };
  private buffered = 0;
  private readonly known = new Set<string>();

  /** `label` names the test file, so a hit says where it happened. */
  configure(dir: string, label: string): void {
    this.prefix = join(dir, `${label}.${process.pid}`);
  }

  get enabled(): boolean {
    return this.prefix !== undefined;
  }

  secret(kind: SecretKind, value: string | undefined): void {
    if (!this.prefix || !value || this.known.has(value)) return;
    this.known.add(value);
    this.push('secrets', JSON.stringify([kind, value]));
  }

  logLine(line: string): void {
    if (this.prefix) this.push('logs', line.replace(/\n/g, ' '));
  }

  response(record: ResponseRecord): void {
    if (this.prefix) this.push('responses', JSON.stringify(record));
  }

  /** Where a dump of `database` goes; undefined when the leak check is off. */
  dumpFile(database: string): string | undefined {
    return this.prefix && `${this.prefix}.${database}${FILE_SUFFIX.dump}`;
  }

  flush(): void {
    if (!this.prefix) return;
    for (const stream of Object.keys(this.buffers) as Stream[]) {
      const lines = this.buffers[stream];
      if (lines.length === 0) continue;
      appendFileSync(`${this.prefix}${FILE_SUFFIX[stream]}`, `${lines.join('\n')}\n`);
      lines.length = 0;
    }
    this.buffered = 0;
  }

  private push(stream: Stream, line: string): void {
    this.buffers[stream].push(line);
    this.buffered += line.length;
    if (this.buffered >= FLUSH_AT_CHARS) this.flush();
  }
}

export const leakRecorder = new LeakRecorder();
