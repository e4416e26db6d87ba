/**
 * Preloaded into a broker process by `refresh-sweep` when BENCH_COUNT_QUERIES is set
 * (`node --import dist-bench/bench/query-count.js dist/main.js`): counts every statement the process sends
 * through `pg` and the wall time until its answer, by statement shape, and prints the table to stderr at
 * exit. Round trips and time spent waiting on PostgreSQL (including row-lock waits) per renewal are what
 * the sweep's speed depends on; a CPU profile shows neither.
 */
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

interface Tally {
  n: number;
  ms: number;
}

const tallies = new Map<string, Tally>();
type Query = (this: pg.Client, ...args: unknown[]) => unknown;
const proto = pg.Client.prototype as unknown as { query: Query };
const original = proto.query;

function shapeOf(config: unknown): string {
  const text =
    typeof config === 'string'
      ? config
      : typeof config === 'object' && config !== null && 'text' in config
        ? String(config.text)
        : '?';
  return text.replace(/\s+/g, ' ').trim().slice(0, 110);
}

proto.query = function (this: pg.Client, ...args: unknown[]): unknown {
  const shape = shapeOf(args[0]);
  const started = performance.now();
  const done = () => {
    const t = tallies.get(shape) ?? { n: 0, ms: 0 };
    t.n++;
    t.ms += performance.now() - started;
    tallies.set(shape, t);
  };
  const last = args.at(-1);
  if (typeof last === 'function') {
    const callback = last as (...a: unknown[]) => unknown;
    args[args.length - 1] = (...a: unknown[]) => {
      done();
      return callback(...a);
    };
    return original.apply(this, args);
  }
  const result = original.apply(this, args);
  if (result instanceof Promise) void result.then(done, done);
  return result;
};

process.on('exit', () => {
  const rows = [...tallies].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, t]) => s + t.n, 0);
  const lines = rows.map(
    ([shape, t]) =>
      `${String(t.n).padStart(8)} ${(t.ms / 1000).toFixed(1).padStart(8)} s ${(t.ms / t.n).toFixed(2).padStart(7)} ms  ${shape}`,
  );
  writeSync(
    2,
    `\n[query-count pid ${process.pid}] ${total} statements\n   count  wall sum    mean  statement\n${lines.join('\n')}\n`,
  );
});
