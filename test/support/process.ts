import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/common/free-port.js';

export { freePort };

export const MAIN_JS = join(process.cwd(), 'dist', 'main.js');

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** Runs the built service (`dist/main.js`, made by `npm test`'s pretest build) as a real process. */
export function spawnBroker(env: Record<string, string>, port: number): BrokerProcess {
  const child = spawn(process.execPath, [MAIN_JS], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), REFRESH_CRON: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

/** Polls until the URL answers 200, the process exits, or the deadline passes. */
export async function waitForReady(p: BrokerProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void p.exited.then(() => (ended = true));
  while (Date.now() < deadline && !ended) {
    const ok = await fetch(`${p.url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`broker did not become ready:\n${p.output()}`);
}
