import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Reads a secret from standard input, never from an argument: arguments end up in `ps` output and
 * shell history. Piped input is read to its end (one trailing newline dropped); on a terminal the
 * person is asked, and what they type is not echoed.
 */
export class SecretInput {
  async read(prompt: string): Promise<string> {
    const value = process.stdin.isTTY ? await this.ask(prompt) : await this.readAll();
    return value.replace(/\r?\n$/, '');
  }

  private async readAll(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private ask(prompt: string): Promise<string> {
    process.stderr.write(prompt);
    const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
    const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
    return new Promise((resolve) =>
      rl.question('', (answer) => {
        rl.close();
        process.stderr.write('\n');
        resolve(answer);
      }),
    );
  }
}
