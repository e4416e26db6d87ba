/**
 * The bench side of `particle-fake-process.ts`: starts the Particle fake in its own process and talks to
 * it over IPC (its counters, a publisher it runs itself).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The product device the fake process adds (product BENCH_CLIENT.productId). */
export const BENCH_DEVICE_ID = '0123456789abcdef01234567';

export type FakeCommand =
  | { type: 'stats' }
  /** `rate` events per second in total, round robin over `names`, for `seconds`, in product `product`. */
  | { type: 'publish'; rate: number; seconds: number; names: string[]; product: number };

export type FakeReport =
  | { type: 'ready'; url: string; token: string }
  | { type: 'stats'; tokenCalls: number; requests: number }
  | { type: 'published'; counts: Record<string, number>; seconds: number; lateTicks: number };

export interface FakeProcess {
  child: ChildProcess;
  url: string;
  /** A token of the bench's product client, for a forwarder's fixed Authorization header. */
  token: string;
  /** Token calls and requests the fake answered since it started. */
  stats(): Promise<Extract<FakeReport, { type: 'stats' }>>;
  /** Runs the publisher in the fake's process; resolves with what it published on each name. */
  publish(
    command: Extract<FakeCommand, { type: 'publish' }>,
  ): Promise<Extract<FakeReport, { type: 'published' }>>;
  stop(): Promise<void>;
}

function next<T extends FakeReport['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<FakeReport, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (report: FakeReport) => {
      if (report.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(report as Extract<FakeReport, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`the fake process exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function startFakeProcess(): Promise<FakeProcess> {
  const child = fork(join(import.meta.dirname, 'particle-fake-process.js'), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await next(child, 'ready');
  const command = (c: FakeCommand) => child.send(c);
  return {
    child,
    url: ready.url,
    token: ready.token,
    stats: () => {
      const answer = next(child, 'stats');
      command({ type: 'stats' });
      return answer;
    },
    publish: (c) => {
      const answer = next(child, 'published');
      command(c);
      return answer;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
