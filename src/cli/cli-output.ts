export type Row = Record<string, unknown>;

export interface Column {
  header: string;
  value: (row: Row) => unknown;
}

/** A column that shows one field of each row; `header` defaults to the field name. */
export const field = (name: string, header = name): Column => ({ header, value: (row) => row[name] });

/** The streams and terminal facts the CLI writes to; tests may pass their own. */
export interface CliStreams {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly errIsTty: boolean;
}

const PROCESS_STREAMS: CliStreams = {
  out: process.stdout,
  err: process.stderr,
  errIsTty: process.stderr.isTTY,
};

/**
 * Everything the CLI prints: aligned tables for people, JSON for scripts (`--json`, one document on
 * stdout), and progress on stderr so it never mixes with output a script parses.
 */
export class CliOutput {
  constructor(private readonly streams: CliStreams = PROCESS_STREAMS) {}

  result(value: unknown, json: boolean, columns: Column[]): void {
    if (json) return this.line(JSON.stringify(value));
    const rows = Array.isArray(value) ? (value as Row[]) : [value as Row];
    this.line(table(rows, columns));
  }

  line(text: string): void {
    this.streams.out.write(`${text}\n`);
  }

  note(text: string): void {
    this.streams.err.write(`${text}\n`);
  }

  /** A progress line: redrawn in place on a terminal, one line per update otherwise (logs, CI). */
  progress(text: string, final = false): void {
    if (this.streams.errIsTty) this.streams.err.write(`\r\x1b[2K${text}${final ? '\n' : ''}`);
    else this.streams.err.write(`${text}\n`);
  }
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.map(cell).join(',');
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? '';
}

export function table(rows: Row[], columns: Column[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const render = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header.toUpperCase())), ...cells.map(render)].join('\n');
}

/** Runs `work`, calling `report` every `ms` while it lasts: progress for long jobs. */
export async function withProgress<T>(
  work: Promise<T>,
  ms: number,
  report: () => Promise<void> | void,
): Promise<T> {
  const timer = setInterval(() => void Promise.resolve(report()).catch(() => undefined), ms);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
