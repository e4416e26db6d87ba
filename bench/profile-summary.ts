/**
 * Summarises a V8 CPU profile written by BENCH_PROFILE=dir: self time by package and by function, and
 * inclusive time, over the last BENCH_PROFILE_WINDOW seconds of the profile only (default 5). The broker
 * is profiled from start to exit, and most of that time it idles while the bare server is measured, so a
 * whole-profile view shows it "mostly idle" when it is not.
 * Usage: node dist-bench/bench/profile-summary.js <dir-or-file.cpuprofile> [rows]
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
  const end = times.at(-1) ?? profile.endTime;

  const self = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let total = 0;
  profile.samples.forEach((id, i) => {
    if ((times[i] ?? 0) < end - windowUs) return;
    const node = byId.get(id);
    if (!node) return;
    total++;
    add(self, label(node));
    add(selfByPackage, packageOf(node));
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
  console.log(`${file}: ${total} samples in the last ${windowUs / 1e6} s`);
  print('self time by package', selfByPackage);
  print('self time by function', self);
  print('inclusive time', inclusive);
}

main();
