/**
 * Part 1 of `bench:proxy`: a small proxied GET (one product device, ~600 bytes of JSON) through the
 * broker against the same GET through a bare @fastify/reply-from forwarder, both to the fake's process.
 */
import { loadavg } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { BENCH_CLIENT, load, type LoadResult } from './harness.js';
import { BENCH_DEVICE_ID, type FakeProcess } from './fake-client.js';

export const GET_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
export const RATIO_TARGET = 0.7;
export const DEVICE_PATH = `/v1/tenants/bench/particle/v1/products/${BENCH_CLIENT.productId}/devices/${BENCH_DEVICE_ID}`;

export interface Side {
  name: string;
  child: ChildProcess;
  base: string;
  headers: Record<string, string>;
}

export interface GetRun extends LoadResult {
  side: string;
  loadStart: number;
  loadEnd: number;
}

export interface GetResult {
  bare: GetRun;
  broker: GetRun;
  /** The bare forwarder plus the audit row (BENCH_CEILING=1). */
  ceiling?: GetRun | undefined;
  /** Token calls the fake answered during the broker's run (0: every request used the cached token). */
  tokenCalls: number;
}

/** One request through each side first: both must answer the device, or the figures mean nothing. */
export async function checkSides(sides: Side[]): Promise<void> {
  for (const side of sides) {
    const res = await fetch(`${side.base}${DEVICE_PATH}`, { headers: side.headers });
    const body = (await res.json()) as { id?: string };
    if (res.status !== 200 || body.id !== BENCH_DEVICE_ID) {
      throw new Error(`${side.name}: ${res.status} ${JSON.stringify(body)}`);
    }
  }
}

async function run(side: Side, fake: FakeProcess, seconds: number): Promise<GetRun> {
  const loadStart = loadavg()[0] as number;
  const result = await load({
    url: `${side.base}${DEVICE_PATH}`,
    method: 'GET',
    headers: side.headers,
    connections: CONNECTIONS,
    seconds,
    serverPid: side.child.pid,
    alsoPids: { fake: fake.child.pid },
  });
  return { ...result, side: side.name, loadStart, loadEnd: loadavg()[0] as number };
}

/**
 * Warm-up of each (2 s), then each measured: bare, broker (and the ceiling) in odd rounds, the other
 * way round in even ones.
 */
export async function measureGet(
  fake: FakeProcess,
  bare: Side,
  broker: Side,
  bareFirst: boolean,
  ceiling?: Side,
): Promise<GetResult> {
  const sides = [bare, broker, ...(ceiling ? [ceiling] : [])];
  for (const side of sides) await run(side, fake, 2);
  const runs = new Map<Side, GetRun>();
  let tokenCalls = 0;
  for (const side of bareFirst ? sides : [...sides].reverse()) {
    const before = await fake.stats();
    runs.set(side, await run(side, fake, GET_SECONDS));
    if (side === broker) tokenCalls = (await fake.stats()).tokenCalls - before.tokenCalls;
  }
  return {
    bare: runs.get(bare) as GetRun,
    broker: runs.get(broker) as GetRun,
    ceiling: ceiling ? runs.get(ceiling) : undefined,
    tokenCalls,
  };
}

export function reportGet(r: GetResult): void {
  const num = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(0));
  const row = (label: string, x: GetRun) =>
    `${label.padEnd(30)} ${num(x.requestsPerSecond).padStart(7)} ${String(x.p50).padStart(6)} ${String(x.p99).padStart(6)} ${String(x.non2xx).padStart(7)} ${String(x.errors).padStart(6)} ${num(x.cpuMicrosPerRequest).padStart(8)} ${num(x.alsoCpuMicrosPerRequest.fake).padStart(8)} ${num(x.loadCpuMicrosPerRequest).padStart(8)} ${num(x.postgresCpuMicrosPerRequest).padStart(6)} ${`${x.loadStart.toFixed(2)}/${x.loadEnd.toFixed(2)}`.padStart(10)}`;
  console.log(
    `\nproxied GET: ${CONNECTIONS} connections, ${GET_SECONDS} s each, audit on, node ${process.version}`,
  );
  console.log(
    `${'server'.padEnd(30)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(6)} ${'p99 ms'.padStart(6)} ${'non-2xx'.padStart(7)} ${'errors'.padStart(6)} ${'µs/req'.padStart(8)} ${'fake'.padStart(8)} ${'loadgen'.padStart(8)} ${'pg'.padStart(6)} ${'load'.padStart(10)}`,
  );
  console.log(row('bare reply-from forwarder', r.bare));
  console.log(row('broker /v1/tenants/:id/particle', r.broker));
  if (r.ceiling) console.log(row('ceiling: bare + audit row', r.ceiling));
  const cpu =
    r.bare.cpuMicrosPerRequest && r.broker.cpuMicrosPerRequest
      ? (r.broker.cpuMicrosPerRequest / r.bare.cpuMicrosPerRequest).toFixed(2)
      : '?';
  console.log(
    `ratio broker/bare: ${(r.broker.requestsPerSecond / r.bare.requestsPerSecond).toFixed(2)} (target >= ${RATIO_TARGET.toFixed(2)}); CPU per request broker/bare ${cpu}; token calls at the fake during the broker's run: ${r.tokenCalls}`,
  );
  if (r.ceiling) {
    console.log(
      `ratio ceiling/bare: ${(r.ceiling.requestsPerSecond / r.bare.requestsPerSecond).toFixed(2)}; broker/ceiling: ${(r.broker.requestsPerSecond / r.ceiling.requestsPerSecond).toFixed(2)}`,
    );
  }
}
