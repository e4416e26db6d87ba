import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpDatabase } from './database-dump.js';
import { searchRun, type LeakReport } from './leak-search.js';
import { FILE_SUFFIX } from './records.js';

const SHOWN_GROUPS = 15;

/** A fresh directory for one run's records; concurrent runs (even in one checkout) never share one. */
export function createRunDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ptb-leak-check-'));
}

/** Databases a test file did not drop are dumped here, before the global teardown drops them. */
export async function dumpLeftover(dir: string, url: string, name: string): Promise<void> {
  await dumpDatabase(url, join(dir, `leftover.${name}${FILE_SUFFIX.dump}`));
}

function summary(report: LeakReport, seconds: number): string {
  return (
    `leak check: ${report.secrets} secrets x (${report.logLines} log lines, ${report.responses} responses, ` +
    `${report.dumps} dumps via ${[...report.dumpMethods].join('+') || 'none'}): ${report.hitCount} hits ` +
    `(${seconds.toFixed(1)} s)`
  );
}

/**
 * Searches the run's records, prints the one-line summary, and returns the failure message when any
 * secret showed up. The directory is removed when clean and kept (its path printed) when not.
 */
export async function checkRun(dir: string): Promise<string | undefined> {
  const started = performance.now();
  if ((await readdir(dir)).length === 0) {
    // A config without the setup file (the long chaos run) records nothing: say so instead of "0 hits".
    console.log('leak check: nothing recorded in this run');
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  const report = await searchRun(dir);
  const line = summary(report, (performance.now() - started) / 1000);
  console.log(line);
  if (report.hitCount === 0) {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  const groups = [...report.groups.values()];
  const shown = groups
    .slice(0, SHOWN_GROUPS)
    .map((g) => `  - ${g.count} x ${g.kind} in ${g.place}\n      first at ${g.first}\n      ${g.context}`);
  const more = groups.length > SHOWN_GROUPS ? [`  ... and ${groups.length - SHOWN_GROUPS} more places`] : [];
  return [
    'leak check FAILED: secrets the Particle fake issued or received, or webhook secrets the broker handed out, appeared where they must never be:',
    ...shown,
    ...more,
    `(the records stay in ${dir})`,
  ].join('\n');
}
