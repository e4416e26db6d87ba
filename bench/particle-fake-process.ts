/**
 * The Particle fake in a process of its own, for benches whose load would otherwise share the bench
 * process's event loop with the fake (autocannon, or a thousand subscribers). Set up here: the bench's
 * product client, one product device, and a token for a bare forwarder's fixed header. Driven over IPC
 * (`FakeCommand`), it answers `FakeReport`s. Started by `startFakeProcess` in `fake-client.ts`.
 */
import { performance } from 'node:perf_hooks';
import { ParticleFake } from '../test/support/particle-fake.js';
import { BENCH_DEVICE_ID, type FakeCommand, type FakeReport } from './fake-client.js';
import { BENCH_CLIENT } from './harness.js';

const fake = await ParticleFake.start({ tokenBudget: 1_000 });
fake.addClient(BENCH_CLIENT);
fake.addDevice({
  id: BENCH_DEVICE_ID,
  name: 'bench-device',
  productId: BENCH_CLIENT.productId,
  variables: { temp: 21.5 },
});
const { accessToken } = fake.issueToken({ clientId: BENCH_CLIENT.id, expiresInSeconds: 86_400 });

// The fake records every request for tests to inspect; a bench sends millions, so the record is
// counted and emptied every second instead of kept.
let tokenCalls = 0;
let requests = 0;
const trim = (): void => {
  tokenCalls += fake.tokenCalls();
  requests += fake.requests.length;
  fake.reset();
};
setInterval(trim, 1_000).unref();

const send = (report: FakeReport): void => void process.send?.(report);

/** Publishes on a 1 ms timer, catching up on the schedule so the total rate holds whatever the timer does. */
function publish(command: Extract<FakeCommand, { type: 'publish' }>): void {
  const counts: Record<string, number> = Object.fromEntries(command.names.map((n) => [n, 0]));
  const total = Math.round(command.rate * command.seconds);
  const started = performance.now();
  let sent = 0;
  let lateTicks = 0;
  const tick = (): void => {
    const elapsed = performance.now() - started;
    const due = Math.min(total, Math.floor((elapsed / 1000) * command.rate));
    if (due - sent > command.rate / 100) lateTicks += 1; // more than 10 ms behind the schedule
    for (; sent < due; sent++) {
      const name = command.names[sent % command.names.length] as string;
      const seq = counts[name] as number;
      counts[name] = seq + 1;
      // The publish time goes in the data, as a wall-clock ms with sub-ms precision: the subscribers
      // live in another process, and timeOrigin + now() is comparable across processes of one machine.
      const data = `${seq} ${(performance.timeOrigin + performance.now()).toFixed(3)}`;
      fake.publish({ name, data, product: command.product });
    }
    if (sent < total) setTimeout(tick, 1);
    else send({ type: 'published', counts, seconds: (performance.now() - started) / 1000, lateTicks });
  };
  tick();
}

process.on('message', (command: FakeCommand) => {
  if (command.type === 'stats') {
    trim();
    send({ type: 'stats', tokenCalls, requests });
  } else publish(command);
});
// The bench went away (killed, crashed): so does its fake.
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
send({ type: 'ready', url: fake.url, token: accessToken });
