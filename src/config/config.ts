import { isIP } from 'node:net';
import { z } from 'zod';

const CRON_OFF = 'off';

const intIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

// A fraction in (0, 1], written as a decimal ("0.25", ".5", "1").
const fraction = z
  .string()
  .trim()
  .regex(/^\d*\.?\d+$/, 'must be a decimal number')
  .transform(Number)
  .pipe(z.number().gt(0, 'must be above 0').max(1, 'must be at most 1'));

const urlString = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v), 'must be an absolute URL')
  .transform((v) => v.replace(/\/+$/, ''));

const KEY_ENTRY = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]+={0,2})$/;

export interface EncryptionKeySpec {
  readonly kid: string;
  readonly key: Buffer;
}

const encryptionKeys = z
  .string()
  .trim()
  .transform((raw, ctx): EncryptionKeySpec[] => {
    const specs: EncryptionKeySpec[] = [];
    for (const [i, entry] of raw.split(',').entries()) {
      const match = KEY_ENTRY.exec(entry.trim());
      const key = match ? Buffer.from(match[2] ?? '', 'base64') : undefined;
      if (!match || key?.length !== 32) {
        ctx.addIssue({ code: 'custom', message: `entry ${i + 1} must be kid:base64-of-32-bytes` });
        continue;
      }
      if (specs.some((s) => s.kid === match[1])) {
        ctx.addIssue({ code: 'custom', message: `key id "${match[1]}" appears twice` });
      }
      specs.push({ kid: match[1] ?? '', key });
    }
    return specs;
  });

// Six- or five-field cron expressions; the scheduler itself rejects anything it cannot parse.
const cron = z
  .string()
  .trim()
  .refine((v) => v === CRON_OFF || /^(\S+\s+){4,5}\S+$/.test(v), 'must be a cron expression or "off"');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intIn(1, 65535).default(3000),
  HOST: z
    .string()
    .trim()
    .refine((v) => isIP(v) !== 0 || /^[A-Za-z0-9.-]+$/.test(v), 'must be an IP address or host name')
    .default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .trim()
    .refine((v) => /^postgres(ql)?:\/\//.test(v) && URL.canParse(v), 'must be a postgres:// URL')
    .optional(),
  BROKER_DATA_DIR: z.string().trim().min(1).default('./.data'),
  BROKER_ENCRYPTION_KEYS: encryptionKeys.optional(),
  BROKER_BOOTSTRAP_ADMIN_KEY: z.string().trim().min(24, 'must be at least 24 characters').optional(),
  BROKER_PUBLIC_URL: urlString.optional(),
  BROKER_RETURN_ORIGINS: z
    .string()
    .trim()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine((o) => URL.canParse(o), 'each origin must be an absolute URL')))
    .optional(),
  BROKER_MIGRATE: z.enum(['on', 'off']).default('on'),
  BROKER_REENCRYPT: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PARTICLE_API_URL: urlString.default('https://api.particle.io'),
  // Particle allows 100 per 5 min per IP unless raised for an enterprise account (particle-cloud.md §10).
  PARTICLE_TOKEN_BUDGET: intIn(1, 100_000).default(80),
  PARTICLE_MAX_CONSECUTIVE_FAILURES: intIn(1, 9).default(5),
  // What one tenant may take of a shared budget while another tenant wants it too (design.md §9.1).
  PARTICLE_TENANT_SHARE: fraction.default(0.25),
  PARTICLE_TIMEOUT_MS: intIn(100, 120_000).default(10_000),
  // Particle: 10,000 API requests, 100 open streams and 100 stream opens per 5 min per IP (§10, §16).
  PARTICLE_API_BUDGET: intIn(1, 100_000_000).default(8000),
  PARTICLE_STREAM_LIMIT: intIn(1, 100_000).default(80),
  PARTICLE_STREAM_OPEN_BUDGET: intIn(1, 100_000).default(80),
  // Firmware uploads go through the proxy: a few MiB (design.md §11).
  PROXY_MAX_BODY_BYTES: intIn(1024, 1024 * 1024 * 1024).default(8 * 1024 * 1024),
  TOKEN_TTL_SECONDS: intIn(60, 7_776_000).default(3600),
  REFRESH_CRON: cron.default('*/30 * * * * *'),
  REFRESH_LEAD_SECONDS: intIn(30, 86_400).default(900),
  REFRESH_CONCURRENCY: intIn(1, 256).default(8),
  // Each customer row is minted on demand: the bound keeps one tenant from filling the table (design.md §9.7).
  CUSTOMER_CREDENTIALS_PER_TENANT: intIn(0, 10_000_000).default(1000),
  // Per API key and replica; 0 turns the limit off.
  RATE_LIMIT_PER_MINUTE: intIn(0, 1_000_000_000).default(30_000),
  WEBHOOK_TIMEOUT_MS: intIn(100, 60_000).default(5000),
  WEBHOOK_ALLOW_HTTP: z.enum(['loopback', 'on', 'off']).default('loopback'),
  // The fallback when a notification of new events is missed (the LISTEN connection down or reconnecting).
  WEBHOOK_POLL_MS: intIn(50, 3_600_000).default(500),
  // Off only where a process is not a replica (the CLI): it must not deliver on the service's behalf.
  BROKER_WEBHOOK_DELIVERY: z.enum(['on', 'off']).default('on'),
  // The ops console (design.md §12): off, no session can be opened and no cookie authenticates.
  CONSOLE: z.enum(['on', 'off']).default('on'),
  CONSOLE_SESSION_IDLE_SECONDS: intIn(60, 7 * 86_400).default(1800),
  CONSOLE_SESSION_MAX_SECONDS: intIn(60, 30 * 86_400).default(43_200),
});

export interface AppConfig {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  /** Unset: the service starts its own embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Empty: a development key is generated into `dataDir` (never in production). */
  readonly encryptionKeys: readonly EncryptionKeySpec[];
  readonly bootstrapAdminKey: string | undefined;
  readonly publicUrl: string;
  readonly returnOrigins: readonly string[];
  readonly migrateOnStart: boolean;
  /** Re-encrypt values under older keys with the active key in the background (off: only on demand). */
  readonly reencryptInBackground: boolean;
  readonly logLevel: string;
  readonly particle: {
    readonly apiUrl: string;
    readonly tokenBudget: number;
    readonly maxConsecutiveFailures: number;
    readonly timeoutMs: number;
    /** The fraction of each shared budget one tenant may use while another tenant asks for it. */
    readonly tenantShare: number;
    /** Proxied API requests per 5 minutes, all replicas together. */
    readonly apiBudget: number;
    /** Upstream event streams open at once, and opened per 5 minutes, all replicas together. */
    readonly streamLimit: number;
    readonly streamOpenBudget: number;
  };
  readonly proxy: {
    readonly maxBodyBytes: number;
  };
  readonly tokenTtlSeconds: number;
  readonly refresh: {
    /** `undefined` when the in-process cron is off. */
    readonly cron: string | undefined;
    readonly leadSeconds: number;
    readonly concurrency: number;
  };
  /** Requests one API key may make per minute on one replica; 0: unlimited. */
  readonly rateLimitPerMinute: number;
  /** Customer-scoped credential rows one tenant may hold; a new customer beyond it is refused. */
  readonly customerCredentialsPerTenant: number;
  readonly webhooks: {
    readonly timeoutMs: number;
    /** Where plain http endpoints are allowed: loopback addresses only, anywhere, or nowhere. */
    readonly allowHttp: 'loopback' | 'on' | 'off';
    /** How often a replica looks for due deliveries without being told of new ones. */
    readonly pollMs: number;
    /** Whether this process delivers the outbox (every replica does; the CLI does not). */
    readonly deliver: boolean;
  };
  readonly console: {
    readonly enabled: boolean;
    /** A session unused this long ends; one older than `maxSeconds` ends however busy it is. */
    readonly idleSeconds: number;
    readonly maxSeconds: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object' && !Buffer.isBuffer(child)) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Reads and validates the environment once; every bad variable is reported together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable means "not set", as it does for most twelve-factor services.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.BROKER_ENCRYPTION_KEYS) {
    throw new ConfigError([
      'BROKER_ENCRYPTION_KEYS: required when NODE_ENV=production (a generated development key is refused)',
    ]);
  }
  if (e.CONSOLE_SESSION_IDLE_SECONDS > e.CONSOLE_SESSION_MAX_SECONDS) {
    throw new ConfigError([
      'CONSOLE_SESSION_IDLE_SECONDS: must not exceed CONSOLE_SESSION_MAX_SECONDS (the absolute lifetime)',
    ]);
  }
  return deepFreeze<AppConfig>({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.BROKER_DATA_DIR,
    encryptionKeys: e.BROKER_ENCRYPTION_KEYS ?? [],
    bootstrapAdminKey: e.BROKER_BOOTSTRAP_ADMIN_KEY,
    publicUrl: e.BROKER_PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`,
    returnOrigins: (e.BROKER_RETURN_ORIGINS ?? []).map((o) => new URL(o).origin),
    migrateOnStart: e.BROKER_MIGRATE === 'on',
    reencryptInBackground: e.BROKER_REENCRYPT === 'on',
    logLevel: e.LOG_LEVEL,
    particle: {
      apiUrl: e.PARTICLE_API_URL,
      tokenBudget: e.PARTICLE_TOKEN_BUDGET,
      maxConsecutiveFailures: e.PARTICLE_MAX_CONSECUTIVE_FAILURES,
      timeoutMs: e.PARTICLE_TIMEOUT_MS,
      tenantShare: e.PARTICLE_TENANT_SHARE,
      apiBudget: e.PARTICLE_API_BUDGET,
      streamLimit: e.PARTICLE_STREAM_LIMIT,
      streamOpenBudget: e.PARTICLE_STREAM_OPEN_BUDGET,
    },
    proxy: { maxBodyBytes: e.PROXY_MAX_BODY_BYTES },
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    refresh: {
      cron: e.REFRESH_CRON === CRON_OFF ? undefined : e.REFRESH_CRON,
      leadSeconds: e.REFRESH_LEAD_SECONDS,
      concurrency: e.REFRESH_CONCURRENCY,
    },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    customerCredentialsPerTenant: e.CUSTOMER_CREDENTIALS_PER_TENANT,
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      allowHttp: e.WEBHOOK_ALLOW_HTTP,
      pollMs: e.WEBHOOK_POLL_MS,
      deliver: e.BROKER_WEBHOOK_DELIVERY === 'on',
    },
    console: {
      enabled: e.CONSOLE === 'on',
      idleSeconds: e.CONSOLE_SESSION_IDLE_SECONDS,
      maxSeconds: e.CONSOLE_SESSION_MAX_SECONDS,
    },
  });
}
