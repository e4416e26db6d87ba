/**
 * Summarises a V8 CPU profile written by BENCH_PROFILE=dir: CPU by step of a request (the token path, the proxy), self time
 * by package and by function, and inclusive time, over the busiest BENCH_PROFILE_WINDOW seconds of the
 * profile only (default 5). Servers are profiled from start to exit and idle most of that time (the
 * broker while the bare server is measured, and the other way round), so a whole-profile view shows them
 * "mostly idle" when they are not.
 * Usage: node dist-bench/bench/profile-summary.js <dir-or-file.cpuprofile> [rows]
 * (the broker's profile is in dir, the bare server's in dir/bare)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function newest(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  const last = files.at(-1);
  if (!last) throw new Error(`no .cpuprofile in ${path}`);
  return join(path, last);
}

const shortUrl = (url: string): string =>
  url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/dist\//, 'dist/');

function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  return url.startsWith('node:') ? url : shortUrl(url);
}

const label = (node: ProfileNode): string =>
  `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;

/**
 * The steps of a request on the token path and the proxy, by the frames that start them. A sample counts for the
 * innermost specific step on its stack (the audit INSERT inside the issuer counts as the INSERT), else
 * for the innermost general one (Nest's, Fastify's or node's own work around the steps), else by its
 * leaf (garbage collection, idle).
 */
const STEPS: [step: string, test: (f: ProfileNode['callFrame']) => boolean][] = [
  [
    'async_hooks (promise hooks, resources)',
    (f) =>
      // The hooks' own work; runInAsyncScope (Fastify's body parser) runs the rest of the request inside.
      f.url.includes('async_hooks') && f.functionName !== 'runInAsyncScope',
  ],
  ['API key guard', (f) => f.url.includes('/auth/api-key') || f.url.includes('/auth/request-authenticator')],
  ['rate limit', (f) => f.url.includes('@nestjs/throttler') || f.url.includes('/auth/rate-limit')],
  [
    'body validation (pipes)',
    (f) => f.functionName === 'applyPipes' || f.url.includes('/common/validation.js'),
  ],
  ['control-character check', (f) => f.url.includes('/common/control-characters.js')],
  [
    'audit INSERT (batch, pg)',
    (f) => f.url.includes('/audit/audit.repository') || /\/(pg|pg-protocol|pg-pool|typeorm)\//.test(f.url),
  ],
  ['audit record, group commit', (f) => f.url.includes('/audit/') || f.url.includes('/logging/redaction')],
  ['token issuer (cache, view)', (f) => f.url.includes('/token-store/')],
  ['request log hook', (f) => f.url.includes('/logging/request-logging')],
  ['metrics hook', (f) => f.url.includes('prom-client') || f.url.includes('/metrics/')],
  [
    'request id, headers hooks',
    (f) =>
      f.url.includes('/app.factory.js') ||
      f.url.includes('/common/request-id') ||
      f.url.includes('/common/security-headers'),
  ],
  [
    'response send (serialise, write)',
    (f) => f.functionName === 'Reply.send' && f.url.includes('fastify/lib/reply.js'),
  ],
  // The proxy's own steps (bench:proxy); the request's Particle path runs through reply-from and undici.
  ['proxy: caller admitted (key, rate limit)', (f) => f.url.includes('/proxy/proxy-caller')],
  ['proxy: allow-list (paths)', (f) => f.url.includes('/proxy/proxy-paths')],
  ['proxy: headers, query (strip, copy)', (f) => f.url.includes('/proxy/proxy-headers')],
  ['proxy: API budget', (f) => f.url.includes('/particle/api-budget')],
  ['proxy: record (metrics, audit row)', (f) => f.url.includes('/proxy/proxy-recorder')],
  ['proxy: body, byte counter', (f) => f.url.includes('/proxy/proxy-body')],
  [
    'proxy: handler (exchange, forward, answer)',
    (f) => f.url.includes('/proxy/particle-proxy') || f.url.includes('/proxy/proxy-exchange'),
  ],
  ['reply-from (upstream request, answer)', (f) => f.url.includes('@fastify/reply-from')],
  ['undici (client, parser, socket)', (f) => f.url.includes('/undici/')],
  [
    'body parse',
    (f) =>
      f.url.includes('secure-json-parse') ||
      (f.url.includes('content-type-parser.js') && /^(rawBody|defaultJsonParser)$/.test(f.functionName)),
  ],
];
const GENERAL: [step: string, test: (f: ProfileNode['callFrame']) => boolean][] = [
  [
    'Nest router, guards/pipes consumers',
    (f) => f.url.includes('@nestjs/') || f.url.includes('reflect-metadata'),
  ],
  ['Fastify routing, hooks', (f) => f.url.includes('fastify/') || f.url.includes('find-my-way')],
  [
    'node http (parse, socket)',
    (f) => /^node:(_http|net|internal\/streams|internal\/stream_base|events)/.test(f.url),
  ],
];

/** Fastify's hook runner: a callback hook calls it (`done`) to run the rest of the request. */
const isHookContinuation = (f: ProfileNode['callFrame'] | undefined): boolean =>
  f !== undefined && f.url.includes('fastify/lib/hooks.js') && /^(next|hookRunner)$/.test(f.functionName);

function stepOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string {
  for (const steps of [STEPS, GENERAL]) {
    let callee: ProfileNode['callFrame'] | undefined;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = (byId.get(cur) as ProfileNode).callFrame;
      // What a callback hook's `done` went on to run is not that hook's work.
      const step = isHookContinuation(callee) ? undefined : steps.find(([, test]) => test(frame));
      if (step) return step[0];
      callee = frame;
    }
  }
  const leaf = (byId.get(id) as ProfileNode).callFrame;
  return leaf.url ? 'other' : leaf.functionName;
}

/**
 * Where the window of `windowUs` with the fewest idle samples ends: the load, whether it came at the end
 * (the broker's run) or before it (the bare server idles while the broker is measured).
 */
function busiestWindowEnd(
  profile: Profile,
  byId: Map<number, ProfileNode>,
  times: number[],
  windowUs: number,
): number {
  const busy = profile.samples.map((id) => (byId.get(id)?.callFrame.functionName === '(idle)' ? 0 : 1));
  let best = times.at(-1) ?? profile.endTime;
  let bestBusy = -1;
  let inWindow = 0;
  let first = 0;
  for (let i = 0; i < times.length; i++) {
    inWindow += busy[i] ?? 0;
    while ((times[first] ?? 0) < (times[i] ?? 0) - windowUs) inWindow -= busy[first++] ?? 0;
    if (inWindow > bestBusy) {
      bestBusy = inWindow;
      best = times[i] ?? best;
    }
  }
  return best;
}

function main(): void {
  const [path, rowsArg] = process.argv.slice(2);
  if (!path) throw new Error('usage: profile-summary <dir-or-file.cpuprofile> [rows]');
  const rows = Number(rowsArg ?? 30);
  const windowUs = Number(process.env.BENCH_PROFILE_WINDOW ?? 5) * 1e6;
  const file = newest(path);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const times: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) times.push((t += d));
  const end = busiestWindowEnd(profile, byId, times, windowUs);

  const self = new Map<string, number>();
  const byStep = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let total = 0;
  profile.samples.forEach((id, i) => {
    const at = times[i] ?? 0;
    if (at < end - windowUs || at > end) return;
    const node = byId.get(id);
    if (!node) return;
    total++;
    add(self, label(node));
    add(selfByPackage, packageOf(node));
    add(byStep, stepOf(id, byId, parent));
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur) as ProfileNode);
      if (!seen.has(k)) add(inclusive, k);
      seen.add(k);
    }
  });

  const print = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [k, n] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
      console.log(`${((100 * n) / total).toFixed(1).padStart(6)}%  ${k}`);
    }
  };
  console.log(`${file}: ${total} samples in the busiest ${windowUs / 1e6} s`);
  print('by step of the request (innermost step on the stack; see STEPS)', byStep);
  print('self time by package', selfByPackage);
  print('self time by function', self);
  print('inclusive time', inclusive);
}

main();
