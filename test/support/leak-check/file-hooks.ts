import { relative } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { leakRecorder } from './recorder.js';
import { encodeLabel, LEAK_DIR_KEY } from './records.js';

/**
 * A setup file: points this test file's recorder at the run's directory, and writes out what is still
 * buffered once the file is done. Its afterAll runs after the file's own (hooks unwind like a stack), so
 * the apps' last log lines and the databases they dropped are in by then.
 */
// Vitest parses the first parameter as a fixture list and insists on a destructuring pattern.
// eslint-disable-next-line no-empty-pattern
beforeAll(({}, suite) => {
  const dir = inject(LEAK_DIR_KEY);
  const file = relative(process.cwd(), suite.file.filepath);
  if (dir) leakRecorder.configure(dir, encodeLabel(file));
});

afterAll(() => leakRecorder.flush());
