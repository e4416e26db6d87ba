/**
 * Part 2 of `bench:proxy`: one broker replica, SUBSCRIBERS SSE subscribers spread over STREAMS upstream
 * streams (one tenant, one event-name prefix each), the fake's own process publishing RATE events/s in
 * total for FANOUT_SECONDS. Measures every delivery's delay (receipt - publish), what was lost, and the
 * broker's RSS (sampled from /proc every 100 ms), and where the machine's CPU went meanwhile.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import { BENCH_CLIENT, cpuSeconds, postgresCpuSeconds } from './harness.js';
import type { FakeProcess } from './fake-client.js';
import { DelayLog, SseSubscriber } from './sse-subscribers.js';

export const FANOUT = {
  subscribers: Number(process.env.BENCH_SUBSCRIBERS ?? 1_000),
  streams: Number(process.env.BENCH_STREAMS ?? 10),
  rate: Number(process.env.BENCH_EVENT_RATE ?? 1_000),
  seconds: Number(process.env.BENCH_FANOUT_SECONDS ?? 15),
};

export interface FanOutResult {
  loadStart: number;
  loadEnd: number;
  published: number;
  expected: number;
  delivered: number;
  lostSubscribers: number;
  outOfOrder: number;
  dropped: number;
  delay: { p50: number; p99: number; max: number };
  rssStart: number;
  rssPeak: number;
  /** Cores used during the publishing window, by process. */
  cores: Record<string, number>;
  /** This process's event-loop delay (the measuring side's own share of a delay), p99 and max ms. */
  benchLoopP99: number;
  benchLoopMax: number;
  publisherLateTicks: number;
}

/** Resident set size in MiB, from /proc (Linux). */
export function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

/** CPU seconds of the whole machine (every core, busy time only), from /proc/stat. */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1) ?? [];
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
}

/** Opens `count` subscribers, `parallel` at a time, the first of each stream before the rest. */
async function subscribe(
  base: string,
  key: string,
  delays: DelayLog,
  parallel = 50,
): Promise<SseSubscriber[]> {
  const names = Array.from({ length: FANOUT.streams }, (_, i) => `s${i}`);
  const url = (name: string) =>
    `${base}/v1/tenants/bench/particle/v1/products/${BENCH_CLIENT.productId}/events/${name}`;
  const all = Array.from(
    { length: FANOUT.subscribers },
    (_, i) => new SseSubscriber(names[i % names.length] as string, delays),
  );
  // The first of each stream opens it upstream; the others then join a stream already open.
  await Promise.all(all.slice(0, names.length).map((s) => s.open(url(s.stream), key)));
  let next = names.length;
  const worker = async () => {
    for (let i = next++; i < all.length; i = next++)
      await (all[i] as SseSubscriber).open(url((all[i] as SseSubscriber).stream), key);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return all;
}

async function droppedSubscribers(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^broker_proxy_stream_subscribers_dropped_total (\S+)$/m.exec(text)?.[1] ?? 0);
}

export async function measureFanOut(
  fake: FakeProcess,
  broker: ChildProcess,
  base: string,
  proxyKey: string,
): Promise<FanOutResult> {
  const loadStart = loadavg()[0] as number;
  const delays = new DelayLog();
  const subscribers = await subscribe(base, proxyKey, delays);
  try {
    // Let the connections settle (the keys' cache, the hub's first writes) before counting.
    await new Promise((r) => setTimeout(r, 1_000));
    for (const s of subscribers) s.resetCounts();
    delays.clear();
    const rssStart = rssMiB(broker.pid);
    let rssPeak = rssStart;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(broker.pid))), 100);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const pids = { broker: broker.pid, fake: fake.child.pid };
    const before = {
      broker: cpuSeconds(pids.broker) ?? 0,
      fake: cpuSeconds(pids.fake) ?? 0,
      postgres: postgresCpuSeconds() ?? 0,
      machine: machineBusySeconds(),
      self: process.cpuUsage(),
      at: performance.now(),
    };
    const names = Array.from({ length: FANOUT.streams }, (_, i) => `s${i}`);
    const published = await fake.publish({
      type: 'publish',
      rate: FANOUT.rate,
      seconds: FANOUT.seconds,
      names,
      product: BENCH_CLIENT.productId,
    });
    const expectedOf = (s: SseSubscriber) => published.counts[s.stream] ?? 0;
    const expected = subscribers.reduce((sum, s) => sum + expectedOf(s), 0);
    // The last events are still on their way: wait until all arrived, at most 5 s.
    for (let i = 0; i < 50 && subscribers.some((s) => s.received < expectedOf(s)); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const wall = (performance.now() - before.at) / 1000;
    const self = process.cpuUsage(before.self);
    const cores = {
      broker: ((cpuSeconds(pids.broker) ?? 0) - before.broker) / wall,
      fake: ((cpuSeconds(pids.fake) ?? 0) - before.fake) / wall,
      bench: (self.user + self.system) / 1e6 / wall,
      postgres: ((postgresCpuSeconds() ?? 0) - before.postgres) / wall,
      machine: (machineBusySeconds() - before.machine) / wall,
    };
    clearInterval(sampler);
    loop.disable();
    return {
      loadStart,
      loadEnd: loadavg()[0] as number,
      published: Object.values(published.counts).reduce((a, b) => a + b, 0),
      expected,
      delivered: subscribers.reduce((sum, s) => sum + s.received, 0),
      lostSubscribers: subscribers.filter((s) => s.received < expectedOf(s)).length,
      outOfOrder: subscribers.reduce((sum, s) => sum + s.outOfOrder, 0),
      dropped: await droppedSubscribers(base),
      delay: delays.summary(),
      rssStart,
      rssPeak,
      cores,
      benchLoopP99: loop.percentile(99) / 1e6,
      benchLoopMax: loop.max / 1e6,
      publisherLateTicks: published.lateTicks,
    };
  } finally {
    for (const s of subscribers) s.close();
  }
}

export function reportFanOut(r: FanOutResult): void {
  const ms = (v: number) => v.toFixed(1);
  console.log(
    `\nfan-out: ${FANOUT.subscribers} subscribers over ${FANOUT.streams} upstream streams, ${FANOUT.rate} events/s for ${FANOUT.seconds} s; load ${r.loadStart.toFixed(2)} -> ${r.loadEnd.toFixed(2)}`,
  );
  console.log(
    `events published ${r.published}; deliveries expected ${r.expected}, received ${r.delivered}, lost ${r.expected - r.delivered} (subscribers short: ${r.lostSubscribers}); out of order ${r.outOfOrder}; dropped by the hub ${r.dropped}`,
  );
  console.log(
    `fan-out delay p50 ${ms(r.delay.p50)} ms, p99 ${ms(r.delay.p99)} ms, max ${ms(r.delay.max)} ms (target p99 < 50); broker RSS ${r.rssStart.toFixed(0)} MiB before, peak ${r.rssPeak.toFixed(0)} MiB (target < 300)`,
  );
  const c = r.cores;
  console.log(
    `cores used while publishing: broker ${c.broker?.toFixed(2)}, subscribers (this process) ${c.bench?.toFixed(2)}, fake + publisher ${c.fake?.toFixed(2)}, local PostgreSQL ${c.postgres?.toFixed(2)}; whole machine ${c.machine?.toFixed(2)} of 2`,
  );
  console.log(
    `measuring side: this process's event-loop delay p99 ${ms(r.benchLoopP99)} ms, max ${ms(r.benchLoopMax)} ms; publisher ticks > 10 ms late: ${r.publisherLateTicks}`,
  );
}
