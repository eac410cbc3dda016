import { z } from 'zod'

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

/** Every environment variable Streamshop reads, with its default. The README lists the same. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  DATABASE_URL: z.string().default('file:data/streamshop.db'),
  DATABASE_AUTH_TOKEN: z.string().optional(),
  /** When a commit (and so a 202) returns: `full` survives a power cut, `normal` only a crash. */
  DATABASE_SYNCHRONOUS: z.enum(['full', 'normal']).default('full'),
  KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ?.split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  KAFKA_CLIENT_ID: z.string().default('streamshop'),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  KAFKA_VERSION: z.string().default('4.2.0'),
  KAFKA_COMPRESSION: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('lz4'),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(6000),
  BROKER_STARTUP_TIMEOUT_MS: z.coerce.number().int().min(1000).default(90_000),
  REDPANDA_IMAGE: z.string().default('docker.redpanda.com/redpandadata/redpanda:v24.2.7'),
  STREAMSHOP_CACHE_DIR: z.string().optional(),
  /** Where a running shop or `bun run broker` records which broker it uses, for the CLI tools. */
  STATE_DIR: z.string().default('data'),
  /** `auto` resolves a broker in DESIGN.md's order; `embedded` forces the libSQL log (dev only). */
  BUS: z.enum(['auto', 'kafka', 'embedded']).default('auto'),
  /** How long a failing record is retried (with backoff) before it goes to its DLQ. */
  CONSUMER_RETRY_BUDGET_MS: z.coerce.number().int().min(0).default(120_000),
  CONSUMER_RETRY_BASE_MS: z.coerce.number().int().min(1).default(100),
  CONSUMER_RETRY_MAX_MS: z.coerce.number().int().min(1).default(10_000),
  /**
   * An attempt running longer than this fails and is retried. Short, because the attempt's
   * transaction holds this process's write lock: every other write waits for it.
   */
  CONSUMER_HANDLER_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
  /** Whether this process publishes the outbox; turn off where another process of the same database does. */
  OUTBOX_RELAY: bool.default(true),
  /**
   * Events the relay reads per publish (a produce request stays under the broker's 1 MiB anyway):
   * fewer, larger rounds cost less per event than many small ones.
   */
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(2500),
  OUTBOX_POLL_MS: z.coerce.number().int().min(1).default(50),
  OUTBOX_RETENTION_HOURS: z.coerce.number().int().min(1).default(168),
  INGEST_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  INGEST_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(60_000),
  TRUST_PROXY: bool.default(false),
  /** Signs session, guest and CSRF values. Required in production; development has a fixed one. */
  SESSION_SECRET: z.string().min(32).optional(),
  /** Mark cookies Secure (HTTPS only); on by default in production. */
  COOKIE_SECURE: bool.optional(),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 14),
  /** The demo admin; in production only created when both are set. */
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(12).optional(),
  AUTH_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(10),
  /** What `GET /api/recommendations/:userId` answers with when no strategy is asked for. */
  RECOMMENDER_DEFAULT_STRATEGY: z
    .enum(['popular', 'trending', 'item-item', 'content', 'session', 'ease', 'hybrid'])
    .default('hybrid'),
  /** Where the models are rebuilt from on start: `earliest` (everything retained) or an ISO time. */
  RECOMMENDER_REPLAY_FROM: z
    .union([z.literal('earliest'), z.iso.datetime({ offset: true })])
    .default('earliest'),
  /** How often the matrix model is retrained in the background (when anything changed). */
  RECOMMENDER_TRAIN_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Shoppers whose history the recommender keeps; the least recently active are forgotten first. */
  RECOMMENDER_MAX_USERS: z.coerce.number().int().min(1).default(200_000),
  /**
   * The A/B experiments, as a JSON array (see services/recommender/experiments/experiment.ts);
   * unset: hybrid against item-item, 50/50; `[]`: none. Added to the database on start when missing.
   */
  RECOMMENDER_EXPERIMENTS: z.string().optional(),
  /** How often each recommender replica reports its model figures to `model-metrics`. */
  RECOMMENDER_METRICS_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** The matrix model covers this many of the most engaged-with products (training costs n³). */
  RECOMMENDER_EASE_MAX_ITEMS: z.coerce.number().int().min(10).max(5000).default(2000),
  /** How long the order saga waits for a participant's answer before it retries the step. */
  SAGA_STEP_TIMEOUT_MS: z.coerce.number().int().min(10).default(10_000),
  /** Attempts of a step before it fails with its timeout reason (`payment_timeout`, …). */
  SAGA_STEP_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** The wait before a step's second attempt; doubled for each one after. */
  SAGA_RETRY_BACKOFF_MS: z.coerce.number().int().min(0).default(500),
  /**
   * Sagas under way beyond which new orders are refused with 503 and Retry-After (0: no limit):
   * past what the saga finishes, more orders only queue until their steps time out.
   */
  SAGA_MAX_IN_FLIGHT: z.coerce.number().int().min(0).default(200),
  /** How often the orchestrator looks for steps past their deadline. */
  SAGA_TIMEOUT_POLL_MS: z.coerce.number().int().min(10).default(250),
  /** The simulated payment provider: share of authorizations of ordinary cards it declines. */
  PAYMENTS_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** The simulated payment provider's answer time, in ms (each call waits up to this long). */
  PAYMENTS_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(20),
  /** The simulated carrier: share of shipments it refuses (`shipping_unavailable`). */
  SHIPPING_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** The simulated carrier's answer time, in ms. */
  SHIPPING_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(10),
})

export type Config = z.infer<typeof envSchema>

/** Parses an environment; throws a readable list of field errors when it is invalid. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema
    .refine((c) => c.NODE_ENV !== 'production' || c.SESSION_SECRET !== undefined, {
      path: ['SESSION_SECRET'],
      error: 'SESSION_SECRET (32+ characters) is required in production',
    })
    .safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid environment:\n${lines.join('\n')}`)
  }
  return parsed.data
}

function loadFromProcess(): Config {
  try {
    return parseConfig(process.env)
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}

/** The process's configuration, parsed once at start-up. */
export const config: Config = loadFromProcess()
